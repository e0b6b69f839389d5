// The per-host runner against the scripted fleet: what an admin relies on for
// one host (changed / unchanged / would-change / failed / rolled-back /
// rollback-failed / unreachable) and the events a report is folded from.
#include "engine_fake_fleet.hpp"
#include "orchestrator/engine/host_runner.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::test;

namespace {

bool ran(const fake_host& h, const std::string& prefix) {
    return std::any_of(h.commands.begin(), h.commands.end(),
                       [&](const std::string& c) { return c.starts_with(prefix); });
}
const std::string set_prefix = "netsh interface teredo set state";

host_outcome run_one(fake_fleet& fleet, const playbook& book, recording_sink& sink,
                     const host_entry& host, runner_options options = {}) {
    const host_runner runner(book, sink, options, fleet.factory(), silent_probe());
    return runner.run(host, 1);
}

}  // namespace

TEST_CASE("runner: an enabled host is disabled, verified and reported changed", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").type = "enterpriseclient";
    const auto book = teredo_playbook();
    recording_sink sink;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));

    CHECK(outcome.status == host_status::changed);
    CHECK(outcome.facts_before.at("teredo.type") == "enterpriseclient");
    CHECK(outcome.facts_after.at("teredo.type") == "disabled");
    CHECK(fleet.type_of("win001") == "disabled");
    // one connection for all steps, closed at the end
    CHECK(fleet.host("win001").connects == 1);
    CHECK(fleet.host("win001").closes == 1);

    // host_started first, host_finished last, every step_started before its step_finished
    REQUIRE(sink.events.size() >= 4);
    CHECK(std::holds_alternative<host_started>(sink.events.front()));
    CHECK(std::holds_alternative<host_finished>(sink.events.back()));
    int open_steps = 0;
    for (const auto& e : sink.events) {
        if (std::holds_alternative<step_started>(e)) ++open_steps;
        if (std::holds_alternative<step_finished>(e)) {
            CHECK(open_steps == 1);
            --open_steps;
        }
    }
    const auto steps = sink.all<step_finished>();
    REQUIRE(steps.size() == 4);  // capture, apply, verify, capture after
    CHECK(steps[1].step.in_phase == phase::apply);
    CHECK(steps[1].step.command == "netsh interface teredo set state type=disabled");
    CHECK(steps[1].step.exit_code == 0);
    CHECK(steps[1].step.stdout_excerpt == "Ok.\r\n");
    const auto facts = sink.all<facts_captured>();
    REQUIRE(facts.size() == 2);
    CHECK(facts[0].before);
    CHECK_FALSE(facts[1].before);
    CHECK(facts[1].facts.at("teredo.type") == "disabled");
}

TEST_CASE("runner: the capture after verify reuses the verify's identical command, not the host",
          "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").type = "client";
    auto book = teredo_playbook();
    recording_sink sink;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
    CHECK(outcome.status == host_status::changed);
    CHECK(outcome.facts_after.at("teredo.type") == "disabled");
    // capture, apply, verify: the facts after come from the verify's reading
    CHECK(fleet.host("win001").commands.size() == 3);
    const auto steps = sink.all<step_finished>();
    REQUIRE(steps.size() == 4);
    const auto& after = steps.back().step;
    CHECK(after.in_phase == phase::capture);
    CHECK(after.ok);
    CHECK(after.attempts == 0);
    CHECK(after.reused_from == "teredo type is disabled");
    CHECK(after.stdout_excerpt.find("disabled") != std::string::npos);
    CHECK(steps.front().step.reused_from.empty());  // the capture before ran: nothing was read yet

    SECTION("a verify that reads something else leaves the capture after to the host") {
        fake_fleet other;
        other.host("win002").type = "client";
        book.verify[0].run = "netsh int teredo show state";
        recording_sink other_sink;
        const auto second = run_one(other, book, other_sink, make_host("win002", 1));
        CHECK(second.status == host_status::changed);
        CHECK(other.host("win002").commands.size() == 4);
        CHECK(other_sink.all<step_finished>().back().step.reused_from.empty());
    }
    SECTION("the capture before is never reused after an apply ran") {
        fake_fleet other;
        other.host("win003").type = "client";
        book.verify[0].run = "netsh int teredo show state";
        book.capture[0].run = "netsh int teredo show state";  // same text as the verify, before the apply
        recording_sink other_sink;
        const auto third = run_one(other, book, other_sink, make_host("win003", 1));
        CHECK(third.facts_before.at("teredo.type") == "client");
        CHECK(third.facts_after.at("teredo.type") == "disabled");
        const auto steps3 = other_sink.all<step_finished>();
        REQUIRE(steps3.size() == 4);
        CHECK(steps3[2].step.reused_from.empty());  // the verify after the apply asked the host
        CHECK(steps3[3].step.reused_from == "teredo type is disabled");
    }
}

TEST_CASE("runner: a compliant host is unchanged and no apply runs", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").type = "disabled";
    const auto book = teredo_playbook();
    recording_sink sink;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
    CHECK(outcome.status == host_status::unchanged);
    CHECK_FALSE(ran(fleet.host("win001"), set_prefix));
    CHECK(fleet.host("win001").commands.size() == 1);
    CHECK(outcome.facts_after == outcome.facts_before);
}

TEST_CASE("runner: check mode captures and judges but never applies", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").type = "client";
    fleet.host("win002").type = "disabled";
    const auto book = teredo_playbook();
    recording_sink sink;
    runner_options options;
    options.mode = run_mode::check;
    const auto would = run_one(fleet, book, sink, make_host("win001", 1), options);
    const auto fine = run_one(fleet, book, sink, make_host("win002", 2), options);
    CHECK(would.status == host_status::would_change);
    CHECK(would.message.find("teredo.type is client, wants disabled") != std::string::npos);
    CHECK(fine.status == host_status::unchanged);
    CHECK(fleet.total_sets() == 0);
    CHECK(fleet.type_of("win001") == "client");
}

TEST_CASE("runner: verify retries until the host shows the change", "[engine][unit]") {
    fake_fleet fleet;
    auto& h = fleet.host("win001");
    h.type = "default";
    h.stale_reads = 2;  // netsh shows the old type twice after the set
    auto book = teredo_playbook();
    book.verify[0].delay = std::chrono::milliseconds(20);
    recording_sink sink;
    const auto started = clock_type::now();
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
    CHECK(outcome.status == host_status::changed);
    const auto steps = sink.all<step_finished>();
    const auto verify = std::find_if(steps.begin(), steps.end(),
                                     [](const step_finished& s) { return s.step.in_phase == phase::verify; });
    REQUIRE(verify != steps.end());
    CHECK(verify->step.attempts == 3);
    CHECK(verify->step.ok);
    CHECK(clock_type::now() - started >= std::chrono::milliseconds(40));  // the delay was honoured
}

TEST_CASE("runner: verify failure with rollback-host restores the exact previous type", "[engine][unit]") {
    fake_fleet fleet;
    auto& h = fleet.host("win001");
    h.type = "enterpriseclient";
    h.disable_leaves = "default";  // the set says Ok. but the host ends up elsewhere
    const auto book = teredo_playbook();
    recording_sink sink;
    runner_options options;
    options.rollback_on_failure = true;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1), options);
    CHECK(outcome.status == host_status::rolled_back);
    CHECK(fleet.type_of("win001") == "enterpriseclient");
    CHECK(fleet.host("win001").commands.back() == "netsh interface teredo show state");
    CHECK(std::count(fleet.host("win001").commands.begin(), fleet.host("win001").commands.end(),
                     "netsh interface teredo set state type=enterpriseclient") == 1);
    CHECK(outcome.message.find("verify 'teredo type is disabled' failed") != std::string::npos);
    CHECK(outcome.facts_after == outcome.facts_before);
    const auto steps = sink.all<step_finished>();
    CHECK(steps.back().step.in_phase == phase::rollback_verify);

    SECTION("without the policy the host stays failed and is left alone") {
        fake_fleet other;
        other.host("win002").type = "client";
        other.host("win002").disable_leaves = "default";
        recording_sink other_sink;
        const auto failed = run_one(other, book, other_sink, make_host("win002", 2));
        CHECK(failed.status == host_status::failed);
        CHECK(failed.apply_attempted);
        CHECK(other.type_of("win002") == "default");
        CHECK(failed.facts_after.at("teredo.type") == "default");  // where it stands now
    }
}

TEST_CASE("runner: a fact that is not safe never reaches a rollback command", "[engine][unit]") {
    fake_fleet fleet;
    auto& h = fleet.host("win001");
    h.type = "client&shutdown";  // remote output trying to become code
    h.disable_leaves = "default";
    auto book = teredo_playbook();
    book.capture[0].facts[0].regex = make_pattern(R"(Type\s*:\s*(\S+))");
    recording_sink sink;
    runner_options options;
    options.rollback_on_failure = true;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1), options);
    CHECK(outcome.status == host_status::rollback_failed);
    CHECK(outcome.message.find("template") != std::string::npos);
    for (const auto& command : fleet.host("win001").commands)
        CHECK(command.find("shutdown") == std::string::npos);
    const auto steps = sink.all<step_finished>();
    const auto rollback = std::find_if(steps.begin(), steps.end(),
                                       [](const step_finished& s) { return s.step.in_phase == phase::rollback; });
    REQUIRE(rollback != steps.end());
    CHECK_FALSE(rollback->step.ok);
    CHECK(rollback->step.attempts == 0);
}

TEST_CASE("runner: an unreachable host says why and runs nothing", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").unreachable = true;
    const auto book = teredo_playbook();
    recording_sink sink;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
    CHECK(outcome.status == host_status::unreachable);
    REQUIRE(outcome.error);
    CHECK(*outcome.error == error_kind::unreachable);
    CHECK(outcome.message.find("connection refused") != std::string::npos);
    CHECK(fleet.host("win001").commands.empty());
    const auto finished = sink.all<host_finished>();
    REQUIRE(finished.size() == 1);
    CHECK(finished[0].status == host_status::unreachable);
}

TEST_CASE("runner: a failing apply carries its rendered hint", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").needs_elevation = true;
    const auto book = teredo_playbook();
    recording_sink sink;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
    CHECK(outcome.status == host_status::failed);
    CHECK(outcome.message.find("exit code 1, expected 0") != std::string::npos);
    CHECK(outcome.message.find("hint: run as an administrator on win001") != std::string::npos);
    CHECK(fleet.type_of("win001") == "client");
}

TEST_CASE("runner: a step cut off by its timeout keeps what it printed", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").set_hangs_printing = "Waiting for the Teredo service to stop...\r\n";
    const auto book = teredo_playbook();
    recording_sink sink;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
    CHECK(outcome.status == host_status::failed);
    std::optional<step_record> cut;
    for (const auto& finished : sink.all<step_finished>())
        if (finished.step.in_phase == phase::apply) cut = finished.step;
    REQUIRE(cut.has_value());
    CHECK(cut->error == error_kind::timeout);
    CHECK_FALSE(cut->exit_code.has_value());
    CHECK(cut->stdout_excerpt == "Waiting for the Teredo service to stop...\r\n");
    CHECK(cut->stdout_total_bytes == cut->stdout_excerpt.size());
    CHECK(outcome.message.find("timeout") != std::string::npos);
    // the timeout that was set, not how long stopping the command took
    CHECK_THAT(cut->message, Catch::Contains("within its configured timeout of 5s (the host's command_timeout)"));
    // an apply that nobody saw finish may have changed the host
    CHECK_THAT(cut->message, Catch::Contains("its change may have landed"));
}

TEST_CASE("runner: the network probe decides a probe step", "[engine][unit]") {
    fake_fleet fleet;
    auto book = teredo_playbook();
    step probe;
    probe.in_phase = phase::verify;
    probe.name = "no Teredo server answers on UDP 3544";
    probe.probe = probe_kind::teredo;
    probe.probe_expect = probe_expectation::no_answer;
    book.verify.push_back(probe);

    std::vector<std::string> probed;
    auto answering = [&probed](const std::string& address) -> std::expected<teredo_probe_result, transport_error> {
        probed.push_back(address);
        teredo_probe_result r;
        r.answered = true;
        r.answered_from = address + ":3544";
        return r;
    };
    recording_sink sink;
    const host_runner runner(book, sink, runner_options{}, fleet.factory(), answering);
    const auto host = make_host("win001", 1);
    const auto outcome = runner.run(host, 1);
    CHECK(outcome.status == host_status::failed);
    CHECK(outcome.message.find("a Teredo server answered") != std::string::npos);
    REQUIRE(probed.size() == 1);
    CHECK(probed[0] == host.connection.address);

    fake_fleet quiet_fleet;
    recording_sink quiet_sink;
    const host_runner quiet(book, quiet_sink, runner_options{}, quiet_fleet.factory(), silent_probe());
    CHECK(quiet.run(host, 1).status == host_status::changed);
}

TEST_CASE("runner: output excerpts are bounded and keep the totals", "[engine][unit]") {
    CHECK(bounded_excerpt(std::string(10000, 'x'), 4096).size() == 4096);
    CHECK(bounded_excerpt("short", 4096) == "short");
    // never cuts a UTF-8 sequence in two
    const std::string text = "ab\xc3\xa9";  // "abé"
    CHECK(bounded_excerpt(text, 3) == "ab");
}

TEST_CASE("runner: rollback-host leaves alone a host whose failed apply changed nothing", "[engine][unit]") {
    fake_fleet fleet;
    fleet.host("win001").type = "natawareclient";
    fleet.host("win001").needs_elevation = true;
    const auto book = teredo_playbook();
    recording_sink sink;
    runner_options options;
    options.rollback_on_failure = true;
    const auto outcome = run_one(fleet, book, sink, make_host("win001", 1), options);
    CHECK(outcome.status == host_status::failed);
    CHECK(outcome.message.find("nothing needs rolling back") != std::string::npos);
    CHECK(outcome.facts_after.at("teredo.type") == "natawareclient");
    for (const auto& step : sink.all<step_finished>()) CHECK(step.step.in_phase != phase::rollback);
}

TEST_CASE("runner: a step with only_if_set runs only where its variable is set", "[engine][unit]") {
    auto book = teredo_playbook();
    step smoke;
    smoke.in_phase = phase::verify;
    smoke.name = "smoke";
    smoke.run = "ping -n 2 {{vars.smoke_target}}";
    smoke.only_if_set = "smoke_target";
    book.verify.push_back(smoke);
    book.vars["smoke_target"] = "";

    SECTION("empty: recorded as not run, and the host is changed") {
        fake_fleet fleet;
        recording_sink sink;
        const auto outcome = run_one(fleet, book, sink, make_host("win001", 1));
        CHECK(outcome.status == host_status::changed);
        CHECK_FALSE(ran(fleet.host("win001"), "ping"));
        const auto steps = sink.all<step_finished>();
        const auto it = std::ranges::find_if(steps, [](const step_finished& s) { return s.step.name == "smoke"; });
        REQUIRE(it != steps.end());
        CHECK(it->step.ok);
        CHECK(it->step.attempts == 0);
        CHECK(it->step.message == "not run: vars.smoke_target is empty for this host (set it to run this step)");
    }
    SECTION("set for the host: it runs, and its failure fails the host") {
        fake_fleet fleet;
        recording_sink sink;
        auto host = make_host("win001", 1);
        host.vars["smoke_target"] = "192.0.2.1";
        const auto outcome = run_one(fleet, book, sink, host);
        CHECK(outcome.status != host_status::changed);
        CHECK(ran(fleet.host("win001"), "ping -n 2 192.0.2.1"));
        CHECK_THAT(outcome.message, Catch::Contains("verify 'smoke' failed"));
    }
}
