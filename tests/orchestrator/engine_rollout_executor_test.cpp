// The scheduler against the scripted fleet: concurrency bound, isolation of
// failures, threshold halts, each rollback policy, interruption, and the
// canonical rollback-batch scenario (100 hosts, 3 verify failures in batch 3).
#include "engine_fake_fleet.hpp"
#include "orchestrator/engine/rollout_executor.hpp"
#include "orchestrator/engine/rollout_plan.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <stop_token>
#include <thread>

using namespace fleetmend;
using namespace fleetmend::test;

namespace {

std::vector<std::vector<const host_entry*>> plan_for(const std::vector<host_entry>& hosts,
                                                     const rollout_settings& settings) {
    std::vector<std::string> names;
    for (const auto& h : hosts) names.push_back(h.name);
    const auto plan = plan_rollout(names, settings, 1);
    std::vector<std::vector<const host_entry*>> batches;
    for (const auto& b : plan.batches) {
        batches.emplace_back();
        for (auto i : b) batches.back().push_back(&hosts[i]);
    }
    return batches;
}

struct rollout_fixture {
    fake_fleet fleet;
    std::vector<host_entry> hosts;
    playbook book = teredo_playbook();
    recording_sink sink;
    rollout_options options;

    explicit rollout_fixture(int count) : hosts(make_hosts(count)) {
        for (const auto& h : hosts) fleet.host(h.name).type = "client";
    }
    rollout_result run() {
        rollout_executor executor(book, sink, options, fleet.factory(), silent_probe());
        return executor.run(plan_for(hosts, options.settings), run_started{"run-1"});
    }
    const host_result& result_of(const rollout_result& r, const std::string& name) {
        return *std::find_if(r.hosts.begin(), r.hosts.end(),
                             [&](const host_result& h) { return h.host->name == name; });
    }
};

constexpr batch_size count(unsigned n) { return {false, n}; }
constexpr batch_size percent(unsigned n) { return {true, n}; }

}  // namespace

TEST_CASE("executor: never more hosts in flight than the concurrency", "[engine][unit]") {
    rollout_fixture f(40);
    f.fleet.command_delay = std::chrono::milliseconds(5);
    f.options.settings.concurrency = 5;
    const auto result = f.run();
    CHECK(result.count(host_status::changed) == 40);
    CHECK(f.fleet.max_in_flight() <= 5);
    CHECK(f.fleet.max_in_flight() >= 2);  // it does run hosts in parallel
}

TEST_CASE("executor: one failing host never stops the others", "[engine][unit]") {
    rollout_fixture f(10);
    f.fleet.host("win004").unreachable = true;
    f.fleet.host("win007").needs_elevation = true;
    f.options.settings.max_fail_percentage = 100;
    f.options.settings.concurrency = 3;
    const auto result = f.run();
    CHECK_FALSE(result.halted);
    CHECK(result.count(host_status::changed) == 8);
    CHECK(f.result_of(result, "win004").outcome.status == host_status::unreachable);
    CHECK(f.result_of(result, "win007").outcome.status == host_status::failed);
    const auto batches = f.sink.all<batch_finished>();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].failures == 2);
    CHECK(batches[0].unreachable == 1);  // win004 of the two
    CHECK_FALSE(batches[0].halted);
}

TEST_CASE("executor: a halt leaves the rest skipped and earlier batches changed", "[engine][unit]") {
    rollout_fixture f(20);
    f.options.settings.batches = {count(1), count(4), count(5)};  // 1, 4, 5, 5, 5
    f.options.settings.on_failure = failure_policy::halt;
    f.options.settings.max_fail_percentage = 0;
    f.fleet.host("win003").unreachable = true;  // in batch 2
    const auto result = f.run();
    CHECK(result.halted);
    CHECK(result.halted_batch == 2);
    CHECK(result.halt_reason.find("1 of 4 hosts failed in batch 2") != std::string::npos);
    CHECK(result.count(host_status::changed) == 4);  // win001, win002, win004, win005
    CHECK(result.count(host_status::skipped) == 15);
    for (int i = 6; i <= 20; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "win%03d", i);
        CHECK(f.fleet.host(name).connects == 0);
        const auto finished = f.sink.finished_of(name);
        REQUIRE(finished.size() == 1);
        CHECK(finished[0].status == host_status::skipped);
    }
    CHECK(f.fleet.type_of("win002") == "disabled");  // halt rolls nothing back
    const auto batches = f.sink.all<batch_finished>();
    REQUIRE(batches.size() == 2);
    CHECK(batches[1].halted);
    CHECK(batches[1].reason == result.halt_reason);
    CHECK(std::holds_alternative<run_finished>(f.sink.events.back()));
}

TEST_CASE("executor: rollback-batch restores only the batch that tripped", "[engine][unit]") {
    rollout_fixture f(12);
    f.options.settings.batches = {count(2), count(4)};  // 2, 4, 4, 2
    f.options.settings.on_failure = failure_policy::rollback_batch;
    f.options.settings.max_fail_percentage = 0;
    f.fleet.host("win004").type = "natawareclient";
    f.fleet.host("win005").type = "enterpriseclient";
    f.fleet.host("win006").needs_elevation = true;  // batch 2 fails
    const auto result = f.run();
    CHECK(result.halted_batch == 2);
    // batch 1 stays changed
    CHECK(f.result_of(result, "win001").outcome.status == host_status::changed);
    CHECK(f.fleet.type_of("win001") == "disabled");
    CHECK(f.fleet.type_of("win002") == "disabled");
    // batch 2: its changed hosts are back at their own types
    CHECK(f.result_of(result, "win003").outcome.status == host_status::rolled_back);
    CHECK(f.fleet.type_of("win003") == "client");
    CHECK(f.fleet.type_of("win004") == "natawareclient");
    CHECK(f.fleet.type_of("win005") == "enterpriseclient");
    // the failed host changed nothing, so nothing to restore
    CHECK(f.result_of(result, "win006").outcome.status == host_status::failed);
    CHECK(f.fleet.host("win006").sets == 0);
    // the rest never started
    CHECK(result.count(host_status::skipped) == 6);
    // rollback reconnected each restored host, and the report sees its final status
    CHECK(f.fleet.host("win004").connects == 2);
    const auto finished = f.sink.finished_of("win004");
    REQUIRE(finished.size() == 2);
    CHECK(finished[0].status == host_status::changed);
    CHECK(finished[1].status == host_status::rolled_back);
}

TEST_CASE("executor: rollback-all restores every changed host, newest batch first", "[engine][unit]") {
    rollout_fixture f(7);
    f.options.settings.batches = {count(1), count(2), count(4)};
    f.options.settings.on_failure = failure_policy::rollback_all;
    f.options.settings.max_fail_percentage = 0;
    f.fleet.host("win002").type = "default";
    f.fleet.host("win007").unreachable = true;  // batch 3 trips
    const auto result = f.run();
    CHECK(result.halted_batch == 3);
    CHECK(result.count(host_status::rolled_back) == 6);
    CHECK(f.fleet.type_of("win001") == "client");
    CHECK(f.fleet.type_of("win002") == "default");
    // order of the restoring commands: batch 3 hosts, then batch 2, then batch 1
    std::vector<int> batch_of_restore;
    auto batch_of = [](const std::string& host) {
        const int n = std::stoi(host.substr(3));
        return n == 1 ? 1 : n <= 3 ? 2 : 3;
    };
    for (const auto& entry : f.fleet.log())
        if (entry.command.starts_with("netsh interface teredo set state type=") &&
            entry.command != "netsh interface teredo set state type=disabled")
            batch_of_restore.push_back(batch_of(entry.host));
    REQUIRE(batch_of_restore.size() == 6);
    CHECK(std::is_sorted(batch_of_restore.rbegin(), batch_of_restore.rend()));
    CHECK(batch_of_restore.front() == 3);
    CHECK(batch_of_restore.back() == 1);
}

TEST_CASE("executor: rollback-host restores a failing host at once and the batch still counts it",
          "[engine][unit]") {
    rollout_fixture f(6);
    f.options.settings.batches = {count(3)};
    f.options.settings.on_failure = failure_policy::rollback_host;
    f.options.settings.max_fail_percentage = 0;
    f.fleet.host("win002").disable_leaves = "default";
    f.fleet.host("win002").type = "server";
    const auto result = f.run();
    CHECK(f.result_of(result, "win002").outcome.status == host_status::rolled_back);
    CHECK(f.fleet.type_of("win002") == "server");
    CHECK(f.fleet.host("win002").connects == 1);  // restored on the same connection
    CHECK(f.result_of(result, "win001").outcome.status == host_status::changed);
    CHECK(result.halted);
    CHECK(result.count(host_status::skipped) == 3);
}

TEST_CASE("executor: check mode changes nothing anywhere", "[engine][unit]") {
    rollout_fixture f(30);
    f.options.mode = run_mode::check;
    f.options.settings.batches = {count(1), percent(10), percent(100)};
    for (int i = 1; i <= 10; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "win%03d", i);
        f.fleet.host(name).type = "disabled";
    }
    const auto result = f.run();
    CHECK(result.count(host_status::would_change) == 20);
    CHECK(result.count(host_status::unchanged) == 10);
    CHECK(f.fleet.total_sets() == 0);
}

TEST_CASE("executor: a stop request starts no new host and marks the rest skipped", "[engine][unit]") {
    rollout_fixture f(10);
    std::atomic<bool> stop{false};
    f.options.stop = &stop;
    f.options.settings.batches = {count(2)};
    f.options.settings.pause_between_batches = std::chrono::milliseconds(50);
    // The operator presses Ctrl-C while batch 2 is being confirmed.
    f.options.confirm_batch = [&stop](int batch, std::size_t) {
        if (batch == 2) stop = true;
        return true;
    };
    const auto result = f.run();
    CHECK(result.interrupted);
    CHECK_FALSE(result.halted);
    CHECK(result.count(host_status::changed) == 2);
    CHECK(result.count(host_status::skipped) == 8);
    const auto done = f.sink.all<run_finished>();
    REQUIRE(done.size() == 1);
    CHECK(done[0].interrupted);
}

TEST_CASE("executor: declining a batch at the --step prompt halts there", "[engine][unit]") {
    rollout_fixture f(6);
    f.options.settings.batches = {count(2)};
    f.options.confirm_batch = [](int batch, std::size_t) { return batch < 3; };
    const auto result = f.run();
    CHECK(result.halted);
    CHECK(result.halted_batch == 3);
    CHECK(result.count(host_status::changed) == 4);
    CHECK(result.count(host_status::skipped) == 2);
}

TEST_CASE("executor: 100 hosts, 3 verify failures in batch 3, rollback-batch",
          "[engine][unit]") {
    rollout_fixture f(100);
    const std::vector<std::string> types{"client", "enterpriseclient", "natawareclient", "default", "server"};
    for (int i = 0; i < 100; ++i) f.fleet.host(f.hosts[i].name).type = types[i % types.size()];
    f.options.settings.batches = {count(1), percent(10), percent(25), percent(100)};  // 1, 10, 25, 64
    f.options.settings.max_fail_percentage = 0;
    f.options.settings.on_failure = failure_policy::rollback_batch;
    f.options.settings.concurrency = 8;
    // three hosts of batch 3 (win012..win036) accept the change but do not keep it
    for (const char* name : {"win015", "win022", "win030"}) f.fleet.host(name).disable_leaves = "default";

    const auto result = f.run();
    CHECK(result.halted);
    CHECK(result.halted_batch == 3);
    const auto batches = f.sink.all<batch_finished>();
    REQUIRE(batches.size() == 3);
    CHECK(batches[2].failures == 3);
    CHECK(batches[2].halted);

    for (int i = 0; i < 100; ++i) {
        const auto& name = f.hosts[i].name;
        const auto& status = f.result_of(result, name).outcome.status;
        INFO(name);
        if (i < 11) {  // batches 1 and 2 stay changed
            CHECK(status == host_status::changed);
            CHECK(f.fleet.type_of(name) == "disabled");
        } else if (i < 36) {  // batch 3: each host back at its own previous type
            CHECK(status == host_status::rolled_back);
            CHECK(f.fleet.type_of(name) == types[i % types.size()]);
        } else {  // the rest never started
            CHECK(status == host_status::skipped);
            CHECK(f.fleet.host(name).connects == 0);
            CHECK(f.fleet.type_of(name) == types[i % types.size()]);
        }
    }
    // the three failures keep why they failed
    CHECK(f.result_of(result, "win015").outcome.message.find("verify") != std::string::npos);
}

TEST_CASE("executor: a cancel ends the commands in flight and their hosts stay in flight in the journal",
          "[engine][unit]") {
    rollout_fixture f(6);
    std::atomic<bool> stop{false};
    std::stop_source cancel;
    f.options.stop = &stop;
    f.options.cancel = cancel.get_token();
    f.options.settings.concurrency = 3;
    f.options.settings.batches = {percent(100)};
    for (const auto& h : f.hosts) f.fleet.host(h.name).set_blocks_printing = "Setting the Teredo type...\r\n";
    // The operator's two signals, once three hosts hang in their apply.
    std::jthread operator_thread([&] {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (f.fleet.blocked() < 3 && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        stop = true;
        cancel.request_stop();
    });
    const auto result = f.run();
    operator_thread.join();

    CHECK(result.interrupted);
    CHECK(f.fleet.blocked() == 0);
    std::size_t cut_off = 0;
    for (const auto& h : result.hosts) {
        if (!h.outcome.cut_off) continue;
        ++cut_off;
        CHECK(h.outcome.status == host_status::skipped);
        CHECK(h.outcome.error == error_kind::cancelled);
        CHECK_THAT(h.outcome.message, Catch::Contains("cut off by a second signal in apply"));
        CHECK(f.fleet.host(h.host->name).cancels == 1);
        CHECK(f.fleet.host(h.host->name).closes == 1);  // the connection was closed, not abandoned
        CHECK(f.sink.finished_of(h.host->name).empty());  // still in flight for resume
    }
    CHECK(cut_off == 3);
    CHECK(result.count(host_status::skipped) == 6);  // 3 cut off, 3 never started
    CHECK(f.fleet.total_sets() == 0);

    // The journal keeps each cancelled step with what it printed, and reads
    // back as a host cut off mid-apply (a resume captures it again).
    std::map<std::string, host_progress> progress;
    std::size_t cancelled_steps = 0;
    for (const auto& e : f.sink.events) {
        if (const auto* s = std::get_if<step_finished>(&e); s && s->step.error == error_kind::cancelled) {
            ++cancelled_steps;
            CHECK(s->step.stdout_excerpt == "Setting the Teredo type...\r\n");
        }
        const std::string host(event_host(e));
        if (!host.empty()) fold_progress(progress[host], e);
    }
    CHECK(cancelled_steps == 3);
    for (const auto& h : result.hosts) {
        if (!h.outcome.cut_off) continue;
        const auto& p = progress.at(h.host->name);
        CHECK_FALSE(p.finished);
        CHECK(p.recorded_phase == host_phase::apply);
        CHECK(p.host_may_differ);
        CHECK(p.step_failure.empty());
        CHECK(p.open_step == phase::apply);
    }
}

TEST_CASE("executor: a cancel before a host connects ends it cut off without a command", "[engine][unit]") {
    rollout_fixture f(2);
    std::atomic<bool> stop{false};
    std::stop_source cancel;
    cancel.request_stop();
    f.options.cancel = cancel.get_token();
    f.options.stop = &stop;  // not set: the hosts start, and meet the cancel at once
    const auto result = f.run();
    for (const auto& h : result.hosts) {
        CHECK(h.outcome.cut_off);
        CHECK(f.fleet.host(h.host->name).commands.empty());
        CHECK(f.sink.finished_of(h.host->name).empty());
    }
}
