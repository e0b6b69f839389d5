// `fleetmend resume` in the engine, against the scripted fleet: a run is
// "killed" after every prefix of its events (with the command of a step that
// started either run or not), then resumed from that journal prefix. Each
// resume must end exactly where an uninterrupted run ends: same final state
// and status per host, the original facts before, every host reported once,
// and no host's apply ever run twice.
#include "engine_fake_fleet.hpp"
#include "orchestrator/engine/rollout_executor.hpp"
#include "orchestrator/engine/rollout_plan.hpp"
#include "orchestrator/engine/run_resume.hpp"
#include "orchestrator/journal/resume_state.hpp"
#include "orchestrator/report/report.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::test;

namespace {

const std::string apply_command = "netsh interface teredo set state type=disabled";

/// Every event with how many commands the fleet had run when it was published.
class timeline_sink final : public event_sink {
public:
    explicit timeline_sink(fake_fleet& fleet) : fleet_(fleet) {}
    std::vector<run_event> events;
    std::vector<std::size_t> commands_before;

protected:
    void on_event(const run_event& event) override {
        events.push_back(event);
        commands_before.push_back(fleet_.log().size());
    }

private:
    fake_fleet& fleet_;
};

struct fleet_setup {
    std::vector<std::string> initial_types;  // per host, win001..
    std::set<std::string> not_elevated;
    std::map<std::string, std::string> disable_leaves;  // the set "works" but leaves this type
    rollout_settings settings;
    run_mode mode = run_mode::apply;
};

void prepare(fake_fleet& fleet, const std::vector<host_entry>& hosts, const fleet_setup& setup) {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        auto& h = fleet.host(hosts[i].name);
        h.type = setup.initial_types[i];
        h.needs_elevation = setup.not_elevated.count(hosts[i].name) > 0;
        if (auto found = setup.disable_leaves.find(hosts[i].name); found != setup.disable_leaves.end())
            h.disable_leaves = found->second;
    }
}

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

/// Runs the first `count` commands of `log` on `fleet`: the remote state a
/// killed run left behind.
void replay(fake_fleet& fleet, const std::vector<fleet_log_entry>& log, std::size_t count) {
    auto make = fleet.factory();
    for (std::size_t i = 0; i < count; ++i) {
        connection_settings settings;
        settings.host_name = log[i].host;
        auto remote = make(settings);
        REQUIRE(remote->connect(clock_type::now() + std::chrono::seconds(1)).has_value());
        (void)remote->run(log[i].command, shell_kind::cmd, clock_type::now() + std::chrono::seconds(1));
    }
}

std::size_t applies_of(const fake_fleet& fleet, const std::string& host) {
    const auto log = fleet.log();
    return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [&](const fleet_log_entry& e) {
        return e.host == host && e.command == apply_command;
    }));
}

struct final_state {
    std::map<std::string, std::string> types;
    std::map<std::string, host_status> statuses;
};

/// Kills the run after every event prefix (and, after a step_started, with its
/// command run or not), resumes, and compares with the uninterrupted run.
void kill_everywhere_and_resume(const fleet_setup& setup) {
    const auto hosts = make_hosts(static_cast<int>(setup.initial_types.size()));
    const auto book = teredo_playbook();
    rollout_options options;
    options.settings = setup.settings;
    options.mode = setup.mode;
    const auto batches = plan_for(hosts, setup.settings);

    // The uninterrupted run: the reference, and the timeline to cut.
    fake_fleet reference_fleet;
    prepare(reference_fleet, hosts, setup);
    timeline_sink timeline(reference_fleet);
    rollout_executor reference(book, timeline, options, reference_fleet.factory(), silent_probe());
    const auto reference_result = reference.run(batches, run_started{"run-1"});
    final_state expected;
    for (const auto& h : reference_result.hosts) {
        expected.types[h.host->name] = reference_fleet.type_of(h.host->name);
        expected.statuses[h.host->name] = h.outcome.status;
    }
    const auto log = reference_fleet.log();
    const auto& events = timeline.events;

    std::size_t resumes = 0;
    for (std::size_t cut = 1; cut < events.size(); ++cut) {
        // commands_before[cut] counts what ran before event `cut`: the
        // in-doubt command of a step_started at cut-1 ran or it did not.
        const std::set<std::size_t> variants{timeline.commands_before[cut - 1], timeline.commands_before[cut]};
        for (const std::size_t commands_run : variants) {
            CAPTURE(cut, commands_run, events.size());
            fake_fleet fleet;
            prepare(fleet, hosts, setup);
            replay(fleet, log, commands_run);

            const std::vector<run_event> prefix(events.begin(), events.begin() + static_cast<long>(cut));
            auto state = plan_resume(journal_contents{prefix, false, 0, 0});
            REQUIRE(state.has_value());
            REQUIRE_FALSE(state->run_was_finished);
            recording_sink sink;
            rollout_executor executor(book, sink, options, fleet.factory(), silent_probe());
            const auto result = executor.resume(batches, *state, state->header);
            ++resumes;

            std::vector<run_event> whole = prefix;
            whole.insert(whole.end(), sink.events.begin(), sink.events.end());
            const auto report = build_report(whole);
            REQUIRE(report.hosts.size() == hosts.size());
            CHECK(report.summary.at("total") == static_cast<int>(hosts.size()));
            CHECK(report.summary.at("unfinished") == 0);
            CHECK(report.complete);
            REQUIRE(result.hosts.size() == hosts.size());
            for (std::size_t i = 0; i < hosts.size(); ++i) {
                const auto& name = hosts[i].name;
                CAPTURE(name);
                CHECK(fleet.type_of(name) == expected.types[name]);
                // An apply cut off mid-way whose effect does not show (it
                // failed, or "worked" and left the host non-compliant) is
                // indistinguishable from one that never ran: resume runs it
                // again, as the capture says the change is not there. An
                // apply that took effect: never twice.
                const bool effect_hidden = setup.disable_leaves.count(name) || setup.not_elevated.count(name);
                CHECK(applies_of(fleet, name) <= (effect_hidden ? 2u : 1u));
                const auto& r = *std::find_if(result.hosts.begin(), result.hosts.end(),
                                              [&](const host_result& h) { return h.host->name == name; });
                CHECK(to_string(r.outcome.status) == std::string(to_string(expected.statuses[name])));
                const host_report* h = report.find(name);
                REQUIRE(h);
                CHECK(h->finished);
                CHECK(to_string(h->status) == std::string(to_string(expected.statuses[name])));
                if (expected.statuses[name] != host_status::skipped)
                    CHECK(h->facts_before.at("teredo.type") == setup.initial_types[i]);
            }
        }
    }
    CHECK(resumes > events.size());
}

}  // namespace

TEST_CASE("resume: killed after any journal record, a resumed run ends like an uninterrupted one",
          "[engine][journal][unit]") {
    fleet_setup setup;
    setup.initial_types = {"client", "disabled", "default", "enterpriseclient", "disabled", "client", "default"};
    setup.not_elevated = {"win006"};  // fails its apply: stays as it was, reported failed
    setup.settings.batches = {{false, 1}, {true, 50}, {true, 100}};
    setup.settings.concurrency = 1;  // one command at a time: every prefix is a real crash state
    setup.settings.max_fail_percentage = 100;
    kill_everywhere_and_resume(setup);
}

TEST_CASE("resume: killed during a batch rollback, the resumed batch is rolled back and the rest skipped",
          "[engine][journal][unit]") {
    fleet_setup setup;
    setup.initial_types = {"client", "default", "client", "disabled", "enterpriseclient", "client"};
    setup.not_elevated = {"win004"};  // trips batch 2 (0% allowed): batch 2 is restored
    setup.settings.batches = {{false, 1}, {false, 3}, {true, 100}};
    setup.settings.concurrency = 1;
    setup.settings.max_fail_percentage = 0;
    setup.settings.on_failure = failure_policy::rollback_batch;
    kill_everywhere_and_resume(setup);
}

TEST_CASE("resume: killed during rollback-host, the host's rollback is finished", "[engine][journal][unit]") {
    fleet_setup setup;
    setup.initial_types = {"client", "default", "client"};
    setup.settings.batches = {{true, 100}};
    setup.settings.concurrency = 1;
    setup.settings.max_fail_percentage = 100;
    setup.settings.on_failure = failure_policy::rollback_host;
    setup.disable_leaves = {{"win002", "client"}};  // its verify fails: restored to "default"
    kill_everywhere_and_resume(setup);
}

TEST_CASE("resume: a check run killed anywhere resumes to the same verdicts and changes nothing",
          "[engine][journal][unit]") {
    fleet_setup setup;
    setup.initial_types = {"client", "disabled", "default", "disabled"};
    setup.settings.batches = {{false, 1}, {true, 100}};
    setup.settings.concurrency = 1;
    setup.mode = run_mode::check;
    kill_everywhere_and_resume(setup);  // final types equal the initial ones: the reference run changed nothing
}

TEST_CASE("resume: a host whose apply landed before the kill is verified, not applied again",
          "[engine][journal][unit]") {
    const auto hosts = make_hosts(1);
    const auto book = teredo_playbook();
    fake_fleet fleet;
    fleet.host("win001").type = "disabled";  // the apply ran; its step_finished never reached the journal
    run_started header{"run-1"};
    header.batches = {{"win001"}};
    const std::vector<run_event> journal{
        header,
        batch_started{1, {}},
        host_started{"win001", "127.0.1.2", transport_kind::winrm, 1, {}},
        facts_captured{"win001", true, {{"teredo.type", "client"}}},
        host_transition{"win001", host_phase::compliant, host_phase::apply, "", {}},
        step_started{"win001", phase::apply, "disable teredo", {}},
    };
    auto state = plan_resume(journal_contents{journal, false, 0, 0});
    REQUIRE(state.has_value());
    CHECK(state->change_in_doubt().count("win001") == 1);
    recording_sink sink;
    rollout_executor executor(book, sink, rollout_options{}, fleet.factory(), silent_probe());
    const auto result = executor.resume({{&hosts[0]}}, *state, state->header);
    REQUIRE(result.hosts.size() == 1);
    CHECK(result.hosts[0].outcome.status == host_status::changed);
    CHECK(result.hosts[0].outcome.facts_before.at("teredo.type") == "client");  // the original, for rollback
    CHECK_THAT(result.hosts[0].outcome.message, Catch::Contains("not run again"));
    CHECK(applies_of(fleet, "win001") == 0);
    std::vector<run_event> whole = journal;
    whole.insert(whole.end(), sink.events.begin(), sink.events.end());
    const auto report = build_report(whole);
    CHECK(report.find("win001")->facts_before.at("teredo.type") == "client");
    CHECK(report.find("win001")->facts_after.at("teredo.type") == "disabled");
}

TEST_CASE("resume: the command to continue a run is printed ready to paste", "[engine][unit]") {
    CHECK(resume_command("reports/20261127T081500Z-3f9a.journal") ==
          "fleetmend resume reports/20261127T081500Z-3f9a.journal");
    CHECK(resume_command("my reports/it's.journal") == "fleetmend resume 'my reports/it'\\''s.journal'");
}
