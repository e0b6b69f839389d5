// What `fleetmend resume` learns from a journal cut at various points.
#include "orchestrator/journal/resume_state.hpp"
#include "report_fixture.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using fleetmend::test::fixture_events;
using fleetmend::test::fixture_time;

namespace {
journal_contents cut_after(std::size_t n) {
    auto events = fixture_events();
    events.resize(n);
    return journal_contents{events, false, 0, 0};
}
}  // namespace

TEST_CASE("resume: a host cut off during apply is captured again, its change in doubt", "[journal][unit]") {
    const auto state = plan_resume(cut_after(7));  // web01's apply step_started is the last record
    REQUIRE(state.has_value());
    CHECK(state->header.run_id == "20261127T080000Z-3f9a");
    CHECK(state->interrupted() == std::vector<std::string>{"web01"});
    CHECK(state->change_in_doubt().count("web01") == 1);
    REQUIRE(state->remaining.size() == 3);
    CHECK(state->remaining[0].batch == 1);
    CHECK(state->remaining[0].hosts == std::vector<std::string>{"web01"});
    CHECK(state->remaining[1].hosts.size() == 4);
    CHECK_FALSE(state->halted);
    CHECK_FALSE(state->run_was_finished);
}

TEST_CASE("resume: finished hosts are never run again", "[journal][unit]") {
    const auto state = plan_resume(cut_after(16));  // batch 1 done, batch 2 hosts started
    REQUIRE(state.has_value());
    CHECK(state->finished("web01"));
    REQUIRE(state->remaining.size() == 2);
    CHECK(state->remaining[0].batch == 2);
    CHECK(state->interrupted() == std::vector<std::string>{"web02", "web03", "web04", "web05"});
    CHECK(state->change_in_doubt().empty());  // none had a change step open
}

TEST_CASE("resume: a halted rollout starts nothing new, a finished run has nothing to do", "[journal][unit]") {
    auto all = fixture_events();
    all.pop_back();  // no run_finished: died after the halt
    const auto halted = plan_resume(journal_contents{all, false, 0, 0});
    REQUIRE(halted.has_value());
    CHECK(halted->halted);
    CHECK_THAT(halted->halt_reason, Catch::Contains("2 of 4"));
    REQUIRE(halted->remaining.size() == 1);
    CHECK(halted->remaining[0].hosts == std::vector<std::string>{"web06"});

    const auto done = plan_resume(journal_contents{fixture_events(), false, 0, 0});
    REQUIRE(done.has_value());
    CHECK(done->run_was_finished);

    CHECK_FALSE(plan_resume(journal_contents{}).has_value());
}

namespace {
run_started two_batch_header() {
    run_started header;
    header.run_id = "run-2";
    header.batches = {{"a"}, {"b", "c", "d"}};
    return header;
}
step_record ok_step(phase p) {
    step_record s;
    s.in_phase = p;
    s.ok = true;
    return s;
}
}  // namespace

TEST_CASE("resume: the recorded lifecycle phase, not the steps seen, says how far a host got", "[journal][unit]") {
    std::vector<run_event> ev{two_batch_header(), batch_started{1, {}}, host_started{"a", "", transport_kind::winrm, 1, {}},
                              host_transition{"a", host_phase::connect, host_phase::capture, "", {}},
                              step_started{"a", phase::capture, "teredo", {}},
                              step_finished{"a", ok_step(phase::capture)},
                              facts_captured{"a", true, {{"teredo.type", "client"}}},
                              host_transition{"a", host_phase::capture, host_phase::compliant, "", {}}};
    SECTION("judged, not yet applying: nothing changed, the host runs anew") {
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        const auto& a = state->hosts.at("a");
        CHECK(a.recorded_phase == host_phase::compliant);
        CHECK_FALSE(a.host_may_differ);
        CHECK(state->change_in_doubt().empty());
    }
    SECTION("apply entered, its step started, no end recorded: in doubt, the original facts kept") {
        ev.push_back(host_transition{"a", host_phase::compliant, host_phase::apply, "", {}});
        ev.push_back(step_started{"a", phase::apply, "disable teredo", {}});
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        const auto& a = state->hosts.at("a");
        CHECK(a.captured);
        CHECK(a.facts_before.at("teredo.type") == "client");
        CHECK(a.recorded_phase == host_phase::apply);
        CHECK(a.steps_done == 0);
        CHECK(a.host_may_differ);
        CHECK(state->change_in_doubt().count("a") == 1);
    }
    SECTION("an apply step recorded finished is counted: a resume never runs it again") {
        ev.push_back(host_transition{"a", host_phase::compliant, host_phase::apply, "", {}});
        ev.push_back(step_started{"a", phase::apply, "disable teredo", {}});
        ev.push_back(step_finished{"a", ok_step(phase::apply)});
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        CHECK(state->hosts.at("a").steps_done == 1);
        CHECK(state->hosts.at("a").recorded_phase == host_phase::apply);
    }
    SECTION("verify entered: the apply ended, only reads are left") {
        ev.push_back(host_transition{"a", host_phase::compliant, host_phase::apply, "", {}});
        ev.push_back(step_finished{"a", ok_step(phase::apply)});
        ev.push_back(host_transition{"a", host_phase::apply, host_phase::verify, "", {}});
        ev.push_back(step_started{"a", phase::verify, "teredo type is disabled", {}});
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        CHECK(state->hosts.at("a").recorded_phase == host_phase::verify);
        CHECK(state->hosts.at("a").steps_done == 0);
        CHECK(state->change_in_doubt().empty());
    }
    SECTION("recapture after a failure keeps the failure that led there") {
        ev.push_back(host_transition{"a", host_phase::compliant, host_phase::apply, "", {}});
        ev.push_back(host_transition{"a", host_phase::apply, host_phase::recapture, "apply 'x' failed: exit 1", {}});
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        CHECK(state->hosts.at("a").recorded_phase == host_phase::recapture);
        CHECK(state->hosts.at("a").cause == "apply 'x' failed: exit 1");
    }
    SECTION("a failed apply step recorded: that outcome stands") {
        ev.push_back(host_transition{"a", host_phase::compliant, host_phase::apply, "", {}});
        step_record failed = ok_step(phase::apply);
        failed.ok = false;
        failed.name = "disable teredo";
        failed.message = "exit code 1, expected 0";
        ev.push_back(step_finished{"a", failed});
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        CHECK_THAT(state->hosts.at("a").step_failure, Catch::Contains("apply 'disable teredo' failed"));
        CHECK(state->change_in_doubt().empty());
    }
    SECTION("rollback entered: the rollback is to be finished") {
        ev.push_back(host_transition{"a", host_phase::verify, host_phase::rollback, "verify failed", {}});
        ev.push_back(step_started{"a", phase::rollback, "restore previous type", {}});
        const auto state = plan_resume(journal_contents{ev, false, 0, 0});
        REQUIRE(state.has_value());
        CHECK(state->hosts.at("a").recorded_phase == host_phase::rollback);
        CHECK(state->change_in_doubt().count("a") == 1);
    }
}

TEST_CASE("resume: hosts an interrupted run skipped still run, and their batch is judged again",
          "[journal][unit]") {
    const std::vector<run_event> ev{
        two_batch_header(),
        host_started{"a", "", transport_kind::winrm, 1, {}},
        host_finished{"a", host_status::changed, std::nullopt, "", {}},
        batch_finished{1, 0, false, "", {}},
        host_started{"b", "", transport_kind::winrm, 2, {}},
        host_finished{"b", host_status::changed, std::nullopt, "", {}},
        batch_finished{2, 0, false, "interrupted: hosts not started are skipped", {}},
        host_finished{"c", host_status::skipped, std::nullopt, "skipped: the run was interrupted", {}},
        host_finished{"d", host_status::skipped, std::nullopt, "skipped: the run was interrupted", {}},
        run_finished{true, {}},
    };
    const auto state = plan_resume(journal_contents{ev, false, 0, 0});
    REQUIRE(state.has_value());
    CHECK_FALSE(state->run_was_finished);
    CHECK(state->finished("a"));
    CHECK(state->finished("b"));
    CHECK_FALSE(state->finished("c"));
    CHECK(state->batches_finished == std::set<int>{1});
    REQUIRE(state->remaining.size() == 1);
    CHECK(state->remaining[0].hosts == std::vector<std::string>{"c", "d"});
    CHECK(state->interrupted().empty());
}

TEST_CASE("resume: a host a batch rollback restarted keeps its outcome until the batch is rolled back again",
          "[journal][unit]") {
    const std::vector<run_event> ev{
        two_batch_header(),
        host_started{"a", "", transport_kind::winrm, 1, {}},
        host_finished{"a", host_status::changed, std::nullopt, "", {}},
        batch_finished{1, 0, false, "", {}},
        host_started{"b", "", transport_kind::winrm, 2, {}},
        host_finished{"b", host_status::changed, std::nullopt, "", {}},
        host_started{"c", "", transport_kind::winrm, 2, {}},
        host_finished{"c", host_status::failed, std::nullopt, "apply failed", {}},
        host_started{"d", "", transport_kind::winrm, 2, {}},
        host_finished{"d", host_status::changed, std::nullopt, "", {}},
        // the threshold tripped: batch 2's rollback restarts b, and the kill comes
        host_started{"b", "", transport_kind::winrm, 2, {}},
        step_started{"b", phase::rollback, "restore previous type", {}},
    };
    const auto state = plan_resume(journal_contents{ev, false, 0, 0});
    REQUIRE(state.has_value());
    CHECK(state->finished("b"));
    CHECK(state->interrupted().empty());
    CHECK(state->batches_finished == std::set<int>{1});  // batch 2 is judged (and rolled back) again
    CHECK_FALSE(state->halted);
}

TEST_CASE("resume: a resume killed too keeps the facts before of the first attempt", "[journal][unit]") {
    const std::vector<run_event> ev{
        two_batch_header(),
        host_started{"a", "", transport_kind::winrm, 1, {}},
        facts_captured{"a", true, {{"teredo.type", "client"}}},
        step_started{"a", phase::apply, "disable teredo", {}},
        // killed; the first resume restarts "a" and is killed while it captures again
        two_batch_header(),
        host_started{"a", "", transport_kind::winrm, 1, {}},
        step_started{"a", phase::capture, "teredo", {}},
    };
    const auto state = plan_resume(journal_contents{ev, false, 0, 0});
    REQUIRE(state.has_value());
    const auto& a = state->hosts.at("a");
    CHECK(a.captured);
    CHECK(a.facts_before.at("teredo.type") == "client");  // not what the host shows now (disabled)
    CHECK(a.host_may_differ);  // the first attempt's apply step started
}
