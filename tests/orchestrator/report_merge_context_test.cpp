// What a merge keeps besides the hosts: the scan the runs came for, who let
// each run start, and the preflights, so the merged report of a sharded,
// scan-targeted rollout still says why each host was touched and who agreed.
#include "report_fixture.hpp"
#include "report_schema_check.hpp"

#include "orchestrator/report/merge.hpp"
#include "orchestrator/report/render.hpp"
#include "orchestrator/report/report.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fleetmend;

namespace {

scan_source scan_for(const std::vector<std::string>& hosts, const std::string& sha256 = "ab12") {
    scan_source scan;
    scan.path = "/scans/teredo.nessus";
    scan.sha256 = sha256;
    scan.scan_hosts = 6;
    for (const auto& h : hosts) scan.findings[h] = {{"900001", "Teredo Server Detection"}};
    scan.unmatched.push_back({"db9", "192.0.2.9", "", "no inventory host has this name, FQDN or address"});
    return scan;
}

run_approval approval_by(const std::string& who) {
    return {"CHG-4711", who, "ws01", "--yes", "fleetmend run ... --yes", test::fixture_time(0)};
}

/// The fixture run as one shard with its own scan part, approval and preflight.
merge_input shard(int index, const std::vector<std::string>& scanned, const std::string& who,
                  std::vector<preflight_failure> failed, const std::string& scan_sha = "ab12") {
    auto ev = test::fixture_events();
    auto& start = std::get<run_started>(ev.front());
    start.shard = shard_spec{static_cast<unsigned>(index), 2};
    start.scan = scan_for(scanned, scan_sha);
    start.approval = approval_by(who);
    start.preflight = preflight_summary{3, std::move(failed), std::chrono::milliseconds(40)};
    return {build_report(ev), "shard" + std::to_string(index) + ".json"};
}

nlohmann::json schema() {
    std::ifstream f(std::filesystem::path(FLEETMEND_SOURCE_DIR) / "orchestrator/report/fleetmend.report.schema.json");
    std::stringstream s;
    s << f.rdbuf();
    return nlohmann::json::parse(s.str());
}

}  // namespace

TEST_CASE("a merge of one scan's shards keeps the scan, each run's approval and the preflights added up",
          "[report][merge][unit]") {
    const std::vector<merge_input> inputs{shard(1, {"web01", "web03"}, "alice", {}),
                                          shard(2, {"web04"}, "bob", {{"web06", error_kind::auth, "refused"}})};
    REQUIRE_FALSE(scans_differ(inputs));
    const auto merged = merge_reports(inputs, "merged-1");

    REQUIRE(merged.scan);
    CHECK(merged.scan->sha256 == "ab12");
    CHECK(merged.scan->findings.size() == 3);  // web01, web03 from one shard, web04 from the other
    CHECK(merged.scan->findings.contains("web04"));
    CHECK(merged.scan->unmatched.size() == 1);  // the same unmatched host, once

    REQUIRE(merged.sources.size() == 2);
    REQUIRE(merged.sources[0].approval);
    CHECK(merged.sources[0].approval->confirmed_by == "alice");
    CHECK(merged.sources[1].approval->confirmed_by == "bob");
    CHECK(merged.sources[1].approval->change_ticket == "CHG-4711");

    REQUIRE(merged.preflight);
    CHECK(merged.preflight->hosts == 6);
    REQUIRE(merged.preflight->failed.size() == 1);
    CHECK(merged.preflight->failed[0].host == "web06");

    // Written and read back, with the schema satisfied.
    const auto j = report_to_json(merged);
    test::schema_checker checker(schema());
    CHECK(checker.check(j) == std::vector<std::string>{});
    CHECK(j["sources"][1]["approval"]["confirmed_by"] == "bob");
    const auto back = report_from_json(j);
    REQUIRE(back);
    REQUIRE(back->sources.size() == 2);
    CHECK(back->sources[0].approval == merged.sources[0].approval);
    CHECK(back->preflight == merged.preflight);
    REQUIRE(back->scan);
    CHECK(back->scan->findings.size() == 3);

    // Every rendering shows who let each source run start.
    const auto text = render_text(merged);
    CHECK_THAT(text, Catch::Contains("confirmed by bob on ws01"));
    CHECK_THAT(text, Catch::Contains("change ticket CHG-4711"));
}

TEST_CASE("runs from different scan exports merge without a scan section", "[report][merge][unit]") {
    const std::vector<merge_input> inputs{shard(1, {"web01"}, "alice", {}), shard(2, {"web04"}, "bob", {}, "cd34")};
    CHECK(scans_differ(inputs));
    const auto merged = merge_reports(inputs, "merged-2");
    CHECK_FALSE(merged.scan);
    CHECK(merged.sources.size() == 2);
}
