// The report file is streamed host by host (so 10,000 hosts fit in memory):
// its bytes must stay exactly what the JSON tree would print, and the shard a
// run covered must survive the report, the journal and a merge.
#include "report_fixture.hpp"
#include "report_schema_check.hpp"

#include "orchestrator/report/event_json.hpp"
#include "orchestrator/report/merge.hpp"
#include "orchestrator/report/report.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fleetmend;

namespace {

std::string streamed(const run_report& r, std::size_t* pieces = nullptr) {
    std::string text;
    std::size_t count = 0;
    REQUIRE(write_report_json(r, [&](std::string_view piece) {
        text.append(piece);
        ++count;
        return true;
    }));
    if (pieces) *pieces = count;
    return text;
}

std::string whole_tree(const run_report& r) {
    return report_to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::vector<run_event> sharded_events(shard_spec shard) {
    auto ev = test::fixture_events();
    std::get<run_started>(ev.front()).shard = shard;
    return ev;
}

std::filesystem::path scratch(const char* name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("fleetmend-stream-" + std::string(name) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("the streamed report is byte for byte the JSON tree's text", "[report][unit]") {
    auto report = build_report(sharded_events({2, 3}));
    // Remote output that is not UTF-8 is replaced, as the tree's dump does.
    report.hosts[0].steps[0].stdout_excerpt = "Type : client\xff\xfe\r\n";
    std::size_t pieces = 0;
    CHECK(streamed(report, &pieces) == whole_tree(report));
    CHECK(pieces > report.hosts.size());  // host by host, not one big string

    run_report empty = build_report({});
    CHECK(streamed(empty) == whole_tree(empty));

    const auto merged = merge_reports({{build_report(sharded_events({1, 2})), "a.json"},
                                       {build_report(sharded_events({2, 2})), "b.json"}},
                                      "merged-1");
    CHECK(streamed(merged) == whole_tree(merged));
}

TEST_CASE("a writer that fails stops the stream and leaves no report behind", "[report][unit]") {
    const auto report = build_report(test::fixture_events());
    int calls = 0;
    CHECK_FALSE(write_report_json(report, [&](std::string_view) { return ++calls < 3; }));
    CHECK(calls == 3);

    const auto dir = scratch("fail");
    const auto path = (dir / "r.json").string();
    const auto written = write_file_atomically_from(path, [](const auto& out) { return out("{") && false; });
    CHECK_FALSE(written);
    CHECK(std::filesystem::is_empty(dir));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the shard of a run is in its report file, its journal events and a merge's sources", "[report][shard][unit]") {
    const auto dir = scratch("shard");
    const auto path = (dir / "run.json").string();
    const auto report = build_report(sharded_events({2, 3}));
    REQUIRE(report.shard == shard_spec{2, 3});
    REQUIRE(write_report_file(report, path));
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == whole_tree(report));
    const auto j = nlohmann::json::parse(text.str());
    CHECK(j["shard"] == nlohmann::json{{"index", 2}, {"count", 3}});
    const auto back = read_report_file(path);
    REQUIRE(back);
    CHECK(back->shard == shard_spec{2, 3});

    // An unsharded run has no "shard" key (older readers see nothing new).
    CHECK_FALSE(report_to_json(build_report(test::fixture_events())).contains("shard"));

    // The journal records it, so a resumed run's report keeps it.
    const auto event = event_from_json(event_to_json(sharded_events({2, 3}).front()));
    REQUIRE(event);
    CHECK(std::get<run_started>(*event).shard == shard_spec{2, 3});

    const auto merged = merge_reports({{build_report(sharded_events({1, 2})), "a.json"},
                                       {build_report(sharded_events({2, 2})), "b.json"}},
                                      "merged-1");
    CHECK_FALSE(merged.shard);
    REQUIRE(merged.sources.size() == 2);
    CHECK(merged.sources[0].shard == shard_spec{1, 2});
    CHECK(merged.sources[1].shard == shard_spec{2, 2});

    const auto schema_text = [] {
        std::ifstream f(std::filesystem::path(FLEETMEND_SOURCE_DIR) / "orchestrator/report/fleetmend.report.schema.json");
        std::stringstream s;
        s << f.rdbuf();
        return nlohmann::json::parse(s.str());
    }();
    test::schema_checker checker(schema_text);
    CHECK(checker.check(j) == std::vector<std::string>{});
    CHECK(checker.check(report_to_json(merged)) == std::vector<std::string>{});
    auto wrong = j;
    wrong["shard"]["slice"] = 1;
    CHECK_FALSE(checker.check(wrong).empty());

    auto bad = j;
    bad["shard"] = {{"index", 4}, {"count", 3}};
    const auto refused = report_from_json(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().find("shard") != std::string::npos);
    std::filesystem::remove_all(dir);
}
