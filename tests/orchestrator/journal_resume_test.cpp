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
    CHECK(state->recapture == std::vector<std::string>{"web01"});
    CHECK(state->change_in_doubt.count("web01") == 1);
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
    CHECK(state->finished.count("web01") == 1);
    REQUIRE(state->remaining.size() == 2);
    CHECK(state->remaining[0].batch == 2);
    CHECK(state->recapture == std::vector<std::string>{"web02", "web03", "web04", "web05"});
    CHECK(state->change_in_doubt.empty());  // none had a change step open
}

TEST_CASE("resume: a halted rollout starts nothing new; a finished run has nothing to do", "[journal][unit]") {
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
