// Events survive a trip through JSON (the journal depends on it).
#include "orchestrator/report/event_json.hpp"
#include "orchestrator/report/names.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace std::chrono_literals;

namespace {

wall_time at(int seconds, int millis = 0) {
    return wall_time{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27}.time_since_epoch() + 8h +
                     std::chrono::seconds{seconds} + std::chrono::milliseconds{millis}};
}

run_event round_trip(const run_event& e) {
    auto back = event_from_json(nlohmann::json::parse(event_to_json(e).dump()));
    REQUIRE(back.has_value());
    REQUIRE(back->index() == e.index());
    CHECK(event_to_json(*back) == event_to_json(e));
    return *back;
}

}  // namespace

TEST_CASE("times are RFC 3339 UTC with milliseconds", "[report][unit]") {
    CHECK(format_time(at(0, 5)) == "2026-11-27T08:00:00.005Z");
    CHECK(parse_time("2026-11-27T08:00:00.005Z") == at(0, 5));
    CHECK(parse_time("2026-11-27T09:00:00+01:00") == at(0));
    CHECK(parse_time("2026-11-27T08:00:00.1234567Z") == at(0, 123));
    CHECK_FALSE(parse_time("2026-11-27 08:00:00Z").has_value());
    CHECK_FALSE(parse_time("2026-13-27T08:00:00Z").has_value());
    // Years a nanosecond clock cannot hold are refused, not overflowed (fuzz_report_json).
    CHECK_FALSE(parse_time("0954-01-01T00:00:00Z").has_value());
    CHECK_FALSE(parse_time("9999-12-31T23:59:59Z").has_value());
    CHECK(parse_time("2200-01-01T00:00:00Z").has_value());
    CHECK_FALSE(parse_time("2026-11-27T08:00:00").has_value());
}

TEST_CASE("every event round-trips through JSON", "[report][unit]") {
    SECTION("run_started keeps the plan and the rollout policy") {
        run_started e;
        e.run_id = "20261127T080000Z-3f9a";
        e.mode = run_mode::rollback;
        e.tool_version = "0.1.0";
        e.playbook_path = "playbooks/teredo-disable.toml";
        e.playbook_sha256 = std::string(64, 'a');
        e.inventory_path = "inv.toml";
        e.inventory_sha256 = std::string(64, 'b');
        e.source_report = "reports/earlier.json";
        e.rollout.batches = {{false, 1}, {true, 10}, {true, 100}};
        e.rollout.concurrency = 7;
        e.rollout.max_fail_percentage = 12.5;
        e.rollout.on_failure = failure_policy::rollback_batch;
        e.rollout.order = host_order::sorted;
        e.rollout.pause_between_batches = 1500ms;
        e.batches = {{"web01"}, {"web02", "web03"}};
        e.at = at(1, 250);
        auto back = std::get<run_started>(round_trip(e));
        CHECK(back.mode == run_mode::rollback);
        CHECK(back.source_report == e.source_report);
        REQUIRE(back.rollout.batches.size() == 3);
        CHECK(back.rollout.batches[1].percent);
        CHECK(back.rollout.batches[1].value == 10);
        CHECK(back.rollout.max_fail_percentage == 12.5);
        CHECK(back.rollout.on_failure == failure_policy::rollback_batch);
        CHECK(back.rollout.order == host_order::sorted);
        CHECK(back.rollout.pause_between_batches == 1500ms);
        CHECK(back.batches == e.batches);
        CHECK(back.at == e.at);
    }
    SECTION("step_finished keeps output, totals, missing exit code and error kind") {
        step_record s;
        s.in_phase = phase::rollback_verify;
        s.name = "teredo type is disabled";
        s.command = "netsh interface teredo show state";
        s.stdout_excerpt = "Type : client\r\n\"quoted\" <tag> & \u00e9";
        s.stderr_excerpt = std::string("nul\0inside", 10);
        s.stdout_total_bytes = 5'000'000'000ULL;
        s.stderr_total_bytes = 10;
        s.attempts = 4;
        s.started = at(3, 999);
        s.duration = 2345ms;
        s.ok = false;
        s.error = error_kind::host_key;
        s.message = "host key changed";
        auto back = std::get<step_finished>(round_trip(step_finished{"web01", s}));
        CHECK(back.host == "web01");
        CHECK(back.step.in_phase == phase::rollback_verify);
        CHECK_FALSE(back.step.exit_code.has_value());
        CHECK(back.step.stdout_excerpt == s.stdout_excerpt);
        CHECK(back.step.stderr_excerpt == s.stderr_excerpt);
        CHECK(back.step.stdout_total_bytes == s.stdout_total_bytes);
        CHECK(back.step.attempts == 4);
        CHECK(back.step.started == s.started);
        CHECK(back.step.duration == 2345ms);
        CHECK(back.step.error == error_kind::host_key);

        s.exit_code = -1073741510;
        s.error.reset();
        auto back2 = std::get<step_finished>(round_trip(step_finished{"web01", s}));
        CHECK(back2.step.exit_code == -1073741510);
        CHECK_FALSE(back2.step.error.has_value());
    }
    SECTION("the small events") {
        round_trip(batch_started{3, at(5)});
        auto hs = std::get<host_started>(round_trip(host_started{"web02", "127.0.0.2", transport_kind::ssh, 2, at(6)}));
        CHECK(hs.transport == transport_kind::ssh);
        auto ss = std::get<step_started>(round_trip(step_started{"web02", phase::apply, "disable teredo", at(7)}));
        CHECK(ss.in_phase == phase::apply);
        auto fc = std::get<facts_captured>(round_trip(facts_captured{"web02", false, {{"teredo.type", "disabled"}}}));
        CHECK_FALSE(fc.before);
        CHECK(fc.facts.at("teredo.type") == "disabled");
        auto hf = std::get<host_finished>(
            round_trip(host_finished{"web02", host_status::rollback_failed, error_kind::timeout, "timed out", at(8),
                                     {1, 1, 2}}));
        CHECK(hf.status == host_status::rollback_failed);
        CHECK(hf.error == error_kind::timeout);
        CHECK(hf.connection == connection_figures{1, 1, 2});
        auto bf = std::get<batch_finished>(round_trip(batch_finished{2, 3, true, "3 of 4 failed", at(9), 1}));
        CHECK(bf.unreachable == 1);
        CHECK(bf.halted);
        CHECK(bf.failures == 3);
        CHECK(std::get<run_finished>(round_trip(run_finished{true, at(10)})).interrupted);
    }
}

TEST_CASE("a journal's host_finished without connection figures reads as none", "[report][unit]") {
    auto e = event_to_json(host_finished{"web02", host_status::changed, std::nullopt, "", at(8), {1, 1, 1}});
    e.erase("connection");
    auto back = event_from_json(e);
    REQUIRE(back.has_value());
    CHECK(std::get<host_finished>(*back).connection == connection_figures{});
    e["connection"] = "many";
    auto bad = event_from_json(e);
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error(), Catch::Contains("connection"));
}

TEST_CASE("a malformed event is refused with the key that is wrong", "[report][unit]") {
    auto bad = event_from_json(nlohmann::json{{"event", "host_finished"}, {"host", "a"}, {"status", "exploded"}});
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error(), Catch::Contains("status"));
    auto unknown = event_from_json(nlohmann::json{{"event", "teleported"}});
    REQUIRE_FALSE(unknown.has_value());
    CHECK_THAT(unknown.error(), Catch::Contains("teleported"));
    CHECK_FALSE(event_from_json(nlohmann::json::array()).has_value());
}

TEST_CASE("every host status has the word the report uses", "[report][unit]") {
    for (auto s : {host_status::changed, host_status::unchanged, host_status::would_change, host_status::failed,
                   host_status::rolled_back, host_status::rollback_failed, host_status::unreachable,
                   host_status::skipped})
        CHECK(parse_host_status(to_string(s)) == s);
    CHECK(std::string(to_string(host_status::would_change)) == "would-change");
    CHECK(std::string(to_string(host_status::rolled_back)) == "rolled-back");
}
