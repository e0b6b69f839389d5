// The host lifecycle: its table, the walks the runner takes through it (each
// recorded transition allowed by the table), and the rule that no host is
// changed without a durable record: a sink that stops recording refuses
// every transition and step that would change a host.
#include "engine_fake_fleet.hpp"
#include "orchestrator/engine/host_runner.hpp"
#include "orchestrator/engine/rollout_executor.hpp"
#include "orchestrator/report/host_lifecycle.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace fleetmend;
using namespace fleetmend::test;

namespace {

const std::string set_prefix = "netsh interface teredo set state";

/// Records like recording_sink; stops "recording" (record_health fails)
/// after `healthy_events` events, as a journal on a disk that filled up.
class failing_record_sink final : public event_sink {
public:
    explicit failing_record_sink(std::size_t healthy_events) : healthy_events_(healthy_events) {}
    std::vector<run_event> events;
    [[nodiscard]] std::expected<void, std::string> record_health() const override {
        if (seen_.load() <= healthy_events_) return {};
        return std::unexpected("cannot write the journal /reports/x.journal: No space left on device");
    }

protected:
    void on_event(const run_event& event) override {
        events.push_back(event);
        ++seen_;
    }

private:
    std::size_t healthy_events_;
    std::atomic<std::size_t> seen_{0};
};

std::vector<host_transition> transitions_of(const std::vector<run_event>& events, const std::string& host) {
    std::vector<host_transition> found;
    for (const auto& e : events)
        if (const auto* t = std::get_if<host_transition>(&e); t && t->host == host) found.push_back(*t);
    return found;
}

std::vector<host_phase> path_of(const std::vector<run_event>& events, const std::string& host) {
    std::vector<host_phase> path{host_phase::connect};
    for (const auto& t : transitions_of(events, host)) path.push_back(t.to);
    return path;
}

/// Every recorded transition is in the table and starts where the last ended.
void check_walk_follows_table(const std::vector<run_event>& events, const std::string& host) {
    host_phase at = host_phase::connect;
    for (const auto& t : transitions_of(events, host)) {
        CAPTURE(to_string(t.from), to_string(t.to));
        CHECK(t.from == at);
        CHECK(transition_allowed(t.from, t.to));
        at = t.to;
    }
}

}  // namespace

TEST_CASE("lifecycle: only entering apply or rollback changes a host, and every phase can end", "[engine][unit]") {
    for (const auto& t : lifecycle_table()) {
        CAPTURE(to_string(t.from), to_string(t.to));
        CHECK(t.changes_host == (t.to == host_phase::apply || t.to == host_phase::rollback));
        CHECK(t.from != host_phase::done);       // done is final
        CHECK(t.to != host_phase::connect);      // nothing goes back to the start
    }
    for (const auto p : {host_phase::connect, host_phase::capture, host_phase::compliant, host_phase::apply,
                         host_phase::verify, host_phase::recapture, host_phase::rollback}) {
        CAPTURE(to_string(p));
        CHECK(transition_allowed(p, host_phase::done));
    }
    // The only way into apply is a judged capture (or a resumed apply).
    CHECK_FALSE(transition_allowed(host_phase::capture, host_phase::apply));
    CHECK_FALSE(transition_allowed(host_phase::connect, host_phase::apply));
    CHECK(transition_allowed(host_phase::compliant, host_phase::apply));
    // A journal that cannot record refuses every apply; a rollback only when
    // the facts it restores are not on disk.
    CHECK(refused_without_journal(host_phase::apply, true));
    CHECK(refused_without_journal(host_phase::apply, false));
    CHECK(refused_without_journal(host_phase::rollback, false));
    CHECK_FALSE(refused_without_journal(host_phase::rollback, true));
    for (const auto p : {host_phase::capture, host_phase::compliant, host_phase::verify, host_phase::recapture})
        CHECK_FALSE(refused_without_journal(p, false));
}

TEST_CASE("lifecycle: the runner's walks follow the table and the journal gets each transition", "[engine][unit]") {
    const auto book = teredo_playbook();
    fake_fleet fleet;
    fleet.host("win001").type = "client";            // changed
    fleet.host("win002").type = "disabled";          // unchanged
    fleet.host("win003").type = "client";            // verify fails, restored by rollback-host
    fleet.host("win003").disable_leaves = "default";
    fleet.host("win004").unreachable = true;
    fleet.host("win005").type = "client";            // apply fails, nothing to undo
    fleet.host("win005").needs_elevation = true;
    recording_sink sink;
    runner_options options;
    options.rollback_on_failure = true;
    const host_runner runner(book, sink, options, fleet.factory(), silent_probe());
    const auto hosts = make_hosts(5);
    std::vector<host_outcome> outcomes;
    for (const auto& h : hosts) outcomes.push_back(runner.run(h, 1));

    using enum host_phase;
    CHECK(path_of(sink.events, "win001") == std::vector{connect, capture, compliant, apply, verify, recapture});
    CHECK(outcomes[0].status == host_status::changed);
    CHECK(path_of(sink.events, "win002") == std::vector{connect, capture, compliant});
    CHECK(outcomes[1].status == host_status::unchanged);
    CHECK(path_of(sink.events, "win003") ==
          std::vector{connect, capture, compliant, apply, verify, recapture, rollback});
    CHECK(outcomes[2].status == host_status::rolled_back);
    CHECK(fleet.type_of("win003") == "client");
    CHECK(path_of(sink.events, "win004") == std::vector{connect});
    CHECK(outcomes[3].status == host_status::unreachable);
    CHECK(path_of(sink.events, "win005") == std::vector{connect, capture, compliant, apply, recapture});
    CHECK(outcomes[4].status == host_status::failed);
    CHECK_THAT(outcomes[4].message, Catch::Contains("nothing needs rolling back"));
    // The failure that led into recapture and rollback is kept with the transition.
    const auto win003 = transitions_of(sink.events, "win003");
    CHECK(win003.back().to == rollback);
    CHECK_THAT(win003.back().cause, Catch::Contains("verify"));
    for (const auto& h : hosts) check_walk_follows_table(sink.events, h.name);
}

TEST_CASE("lifecycle: a host whose capture lacks a fact rollback needs is never changed", "[engine][unit]") {
    auto book = teredo_playbook();
    // A pattern that does not know this output: the capture "succeeds" empty.
    book.capture[0].facts = {{"type", make_pattern(R"(Typ:\s*(\w+))")}};
    book.compliant.clear();  // no test: a run would apply
    fake_fleet fleet;
    fleet.host("win001").type = "client";
    recording_sink sink;
    const host_runner runner(book, sink, runner_options{}, fleet.factory(), silent_probe());
    const auto outcome = runner.run(make_host("win001", 1), 1);
    CHECK(outcome.status == host_status::failed);
    CHECK_THAT(outcome.message, Catch::Contains("teredo.type") && Catch::Contains("not changed"));
    CHECK(fleet.host("win001").sets == 0);
    CHECK(fleet.type_of("win001") == "client");
    CHECK(facts_rollback_needs(book) == std::set<std::string>{"teredo.type"});
}

TEST_CASE("lifecycle: a journal that stopped recording before apply refuses the change", "[engine][unit]") {
    const auto book = teredo_playbook();
    fake_fleet fleet;
    fleet.host("win001").type = "client";
    // Healthy through the capture; the transition into apply is where it fails.
    failing_record_sink sink(5);
    const host_runner runner(book, sink, runner_options{}, fleet.factory(), silent_probe());
    const auto outcome = runner.run(make_host("win001", 1), 1);
    CHECK(fleet.host("win001").sets == 0);
    CHECK(fleet.type_of("win001") == "client");
    CHECK(outcome.refused_by_journal);
    CHECK(outcome.status == host_status::skipped);
    CHECK_THAT(outcome.message, Catch::Contains("journal cannot record") && Catch::Contains("No space left"));
}

TEST_CASE("lifecycle: at every point a journal can fail, no change starts after it", "[engine][unit]") {
    const auto book = teredo_playbook();
    // The uninterrupted walk, to know how many events there are.
    std::size_t total = 0;
    {
        fake_fleet fleet;
        fleet.host("win001").type = "client";
        recording_sink sink;
        runner_options options;
        options.rollback_on_failure = true;
        (void)host_runner(book, sink, options, fleet.factory(), silent_probe()).run(make_host("win001", 1), 1);
        total = sink.events.size();
    }
    for (std::size_t healthy = 0; healthy <= total; ++healthy) {
        CAPTURE(healthy);
        fake_fleet fleet;
        fleet.host("win001").type = "client";
        failing_record_sink sink(healthy);
        runner_options options;
        options.rollback_on_failure = true;
        const auto outcome =
            host_runner(book, sink, options, fleet.factory(), silent_probe()).run(make_host("win001", 1), 1);
        // No set command ran unless the record before it was published while
        // the sink still recorded (the step_started of the set itself).
        std::size_t events_before_set = 0;
        bool set_ran = false;
        const auto log = fleet.log();
        for (const auto& e : sink.events) {
            ++events_before_set;
            if (const auto* s = std::get_if<step_started>(&e); s && s->in_phase == phase::apply) break;
        }
        for (const auto& entry : log) set_ran = set_ran || entry.command.starts_with(set_prefix);
        if (set_ran) CHECK(events_before_set <= healthy);
        // Either it changed with everything recorded, or it is as it was.
        if (!set_ran) CHECK(fleet.type_of("win001") == "client");
        if (healthy >= total) CHECK(outcome.status == host_status::changed);
        check_walk_follows_table(sink.events, "win001");
    }
}

TEST_CASE("lifecycle: a journal failure stops the rollout: no host starts after it, the verdict says so",
          "[engine][unit]") {
    const auto book = teredo_playbook();
    fake_fleet fleet;
    const auto hosts = make_hosts(6);
    for (const auto& h : hosts) fleet.host(h.name).type = "client";
    failing_record_sink sink(30);  // fails while the first hosts run
    rollout_options options;
    options.settings.batches = {{true, 100}};
    options.settings.concurrency = 1;
    options.settings.max_fail_percentage = 100;
    rollout_executor executor(book, sink, options, fleet.factory(), silent_probe());
    std::vector<const host_entry*> batch;
    for (const auto& h : hosts) batch.push_back(&h);
    const auto result = executor.run({batch}, run_started{"run-j"});
    CHECK(verdict_of(result) == run_verdict::journal_failed);
    CHECK_THAT(result.journal_error, Catch::Contains("No space left"));
    CHECK(fleet.total_sets() < 6);
    CHECK(result.count(host_status::skipped) > 0);
    for (const auto& h : result.hosts)
        if (h.outcome.status == host_status::skipped) CHECK(fleet.host(h.host->name).sets == 0);
}

TEST_CASE("lifecycle: a stop request cuts a retry delay short", "[engine][unit]") {
    auto book = teredo_playbook();
    book.verify[0].retries = 50;
    book.verify[0].delay = std::chrono::milliseconds(200);  // 10 s if waited out
    fake_fleet fleet;
    fleet.host("win001").type = "client";
    fleet.host("win001").disable_leaves = "default";  // the verify never holds
    recording_sink sink;
    std::atomic<bool> stop{false};
    runner_options options;
    options.stop = &stop;
    const host_runner runner(book, sink, options, fleet.factory(), silent_probe());
    std::jthread stopper([&stop] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        stop.store(true);
    });
    const auto outcome = runner.run(make_host("win001", 1), 1);
    CHECK(outcome.status == host_status::failed);
    const auto steps = sink.all<step_finished>();
    const auto verify = std::find_if(steps.begin(), steps.end(),
                                     [](const step_finished& s) { return s.step.in_phase == phase::verify; });
    REQUIRE(verify != steps.end());
    CHECK(verify->step.attempts < 51);  // not every retry was waited for
}

TEST_CASE("lifecycle: a resumed rollback run never runs a rollback step the journal shows finished",
          "[engine][journal][unit]") {
    const auto book = teredo_playbook();
    const auto hosts = make_hosts(2);
    fake_fleet fleet;
    fleet.host("win001").type = "client";    // its rollback step ran before the kill
    fleet.host("win002").type = "disabled";  // its rollback had started, no step recorded
    run_started header{"run-rb"};
    header.mode = run_mode::rollback;
    header.batches = {{"win001", "win002"}};
    step_record restored;
    restored.in_phase = phase::rollback;
    restored.name = "restore previous type";
    restored.ok = true;
    const std::vector<run_event> journal{
        header,
        batch_started{1, {}},
        host_started{"win001", "127.0.1.2", transport_kind::winrm, 1, {}},
        host_transition{"win001", host_phase::connect, host_phase::rollback, "", {}},
        step_started{"win001", phase::rollback, "restore previous type", {}},
        step_finished{"win001", restored},
        host_started{"win002", "127.0.1.3", transport_kind::winrm, 1, {}},
        host_transition{"win002", host_phase::connect, host_phase::rollback, "", {}},
    };
    auto state = plan_resume(journal_contents{journal, false, 0, 0});
    REQUIRE(state.has_value());
    CHECK(state->hosts.at("win001").steps_done == 1);
    const std::map<std::string, fact_map> restore{{"win001", {{"teredo.type", "client"}}},
                                                  {"win002", {{"teredo.type", "default"}}}};
    recording_sink sink;
    rollout_options options;
    options.mode = run_mode::rollback;
    rollout_executor executor(book, sink, options, fleet.factory(), silent_probe());
    const auto result = executor.resume({{&hosts[0], &hosts[1]}}, *state, state->header, &restore);
    REQUIRE(result.hosts.size() == 2);
    CHECK(result.hosts[0].outcome.status == host_status::rolled_back);
    CHECK(result.hosts[1].outcome.status == host_status::rolled_back);
    CHECK(fleet.host("win001").sets == 0);  // finished before: not run again, only checked
    CHECK(fleet.host("win002").sets == 1);
    CHECK(fleet.type_of("win002") == "default");
    CHECK_THAT(result.hosts[0].outcome.message, Catch::Contains("resumed the rollback"));
}

TEST_CASE("lifecycle: a restore refuses a host whose facts moved since the report, unless unchecked",
          "[engine][unit]") {
    const auto book = teredo_playbook();
    fake_fleet fleet;
    fleet.host("win001").type = "enterpriseclient";  // the report left it disabled: someone changed it since
    fleet.host("win002").type = "disabled";          // as the report left it
    recording_sink sink;
    const host_runner runner(book, sink, runner_options{}, fleet.factory(), silent_probe());
    const fact_map before{{"teredo.type", "client"}};
    const fact_map after{{"teredo.type", "disabled"}};
    const auto moved = runner.roll_back(make_host("win001", 1), before, 1, &after);
    CHECK(moved.status == host_status::rollback_failed);
    CHECK_THAT(moved.message, Catch::Contains("not restored") && Catch::Contains("enterpriseclient"));
    CHECK(fleet.host("win001").sets == 0);
    const auto kept = runner.roll_back(make_host("win002", 2), before, 1, &after);
    CHECK(kept.status == host_status::rolled_back);
    CHECK(fleet.type_of("win002") == "client");
    const auto forced = runner.roll_back(make_host("win001", 1), before, 1, nullptr);
    CHECK(forced.status == host_status::rolled_back);
    CHECK(fleet.type_of("win001") == "client");
    check_walk_follows_table(sink.events, "win002");
}
