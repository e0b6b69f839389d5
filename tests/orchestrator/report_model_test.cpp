// The report is a fold over events: statuses, counts, batches, crash recovery,
// its JSON form, its atomic file, and the shipped JSON Schema.
#include "orchestrator/report/report.hpp"
#include "report_fixture.hpp"
#include "report_schema_check.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

using namespace fleetmend;
using fleetmend::test::fixture_events;
using fleetmend::test::fixture_time;

namespace {

std::filesystem::path fresh_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("fleetmend-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

nlohmann::json load_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("the builder folds a run into statuses, counts and batches", "[report][unit]") {
    const auto r = build_report(fixture_events());
    CHECK(r.schema == "fleetmend.report/1");
    CHECK(r.run_id == "20261127T080000Z-3f9a");
    CHECK(r.complete);
    CHECK(r.started == fixture_time(0));
    CHECK(r.finished == fixture_time(8));
    REQUIRE(r.hosts.size() == 6);
    CHECK(r.hosts[0].name == "web01");  // plan order

    const auto* web01 = r.find("web01");
    REQUIRE(web01);
    CHECK(web01->status == host_status::changed);
    CHECK(web01->facts_before.at("teredo.type") == "client");
    CHECK(web01->facts_after.at("teredo.type") == "disabled");
    CHECK(web01->steps.size() == 2);
    CHECK(web01->address == "127.0.0.11");
    CHECK(web01->transport == transport_kind::winrm);
    CHECK(web01->batch == 1);

    CHECK(r.find("web04")->error == error_kind::unreachable);
    CHECK(status_word(*r.find("web06")) == "skipped");
    CHECK_FALSE(r.find("web06")->started.has_value());

    CHECK(r.summary.at("total") == 6);
    CHECK(r.summary.at("changed") == 1);
    CHECK(r.summary.at("unchanged") == 1);
    CHECK(r.summary.at("failed") == 1);
    CHECK(r.summary.at("unreachable") == 1);
    CHECK(r.summary.at("rolled-back") == 1);
    CHECK(r.summary.at("skipped") == 1);
    CHECK(r.summary.at("unfinished") == 0);

    REQUIRE(r.batches.size() == 3);
    CHECK(r.batches[1].halted);
    CHECK(r.batches[1].failures == 2);
    CHECK(r.batches[1].hosts.size() == 4);
    CHECK(r.batches[1].reason == "2 of 4 hosts failed (50% > 25%)");
    CHECK_FALSE(r.batches[2].started.has_value());
}

TEST_CASE("a host's later status wins", "[report][unit]") {
    auto ev = fixture_events();
    ev.insert(ev.end() - 1, host_finished{"web03", host_status::rolled_back, std::nullopt, "restored", fixture_time(8)});
    const auto r = build_report(ev);
    CHECK(r.find("web03")->status == host_status::rolled_back);
    CHECK(r.find("web03")->message == "restored");
    CHECK(r.summary.at("failed") == 0);
    CHECK(r.summary.at("rolled-back") == 2);
}

TEST_CASE("a run that died mid-step reports the host as unfinished with the unknown step", "[report][unit]") {
    auto ev = fixture_events();
    // cut the run after web01's apply started: no step_finished, no host_finished
    const auto cut = std::find_if(ev.begin(), ev.end(), [](const run_event& e) {
        return std::holds_alternative<step_started>(e) && std::get<step_started>(e).in_phase == phase::apply;
    });
    ev.erase(cut + 1, ev.end());
    const auto r = build_report(ev);
    CHECK_FALSE(r.complete);
    CHECK_FALSE(r.finished.has_value());
    const auto* web01 = r.find("web01");
    CHECK_FALSE(web01->finished);
    CHECK(status_word(*web01) == "unfinished");
    REQUIRE(web01->in_flight.has_value());
    CHECK(web01->in_flight->in_phase == phase::apply);
    CHECK(web01->in_flight->name == "disable teredo");
    CHECK(r.summary.at("unfinished") == 1);
    CHECK(r.summary.at("skipped") == 5);

    const auto back = report_from_json(report_to_json(r));
    REQUIRE(back.has_value());
    CHECK(status_word(*back->find("web01")) == "unfinished");
    CHECK(back->find("web01")->in_flight->name == "disable teredo");
}

TEST_CASE("a resumed host keeps its first captured facts as the state before", "[report][unit]") {
    auto ev = fixture_events();
    ev.insert(ev.end() - 1, host_started{"web01", "127.0.0.11", transport_kind::winrm, 1, fixture_time(9)});
    ev.insert(ev.end() - 1, facts_captured{"web01", true, {{"teredo.type", "disabled"}}});
    const auto r = build_report(ev);
    CHECK(r.find("web01")->facts_before.at("teredo.type") == "client");
    CHECK(status_word(*r.find("web01")) == "unfinished");
}

TEST_CASE("the report round-trips through JSON", "[report][unit]") {
    const auto r = build_report(fixture_events());
    const auto j = report_to_json(r);
    const auto back = report_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back.has_value());
    CHECK(report_to_json(*back) == j);
    CHECK(j["summary"]["total"] == 6);
    CHECK(j["hosts"][2]["steps"][1]["stderr_excerpt"] ==
          "The requested operation requires elevation <b>&\"now\"</b>");

    auto wrong = j;
    wrong["schema"] = "fleetmend.report/9";
    auto refused = report_from_json(wrong);
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error(), Catch::Contains("fleetmend.report/1"));
    wrong = j;
    wrong["hosts"][0].erase("status");
    CHECK_FALSE(report_from_json(wrong).has_value());
}

TEST_CASE("write_report_file is atomic, 0600 and leaves no temp file", "[report][unit]") {
    const auto dir = fresh_dir("report-write");
    const auto path = dir / "run.json";
    const auto r = build_report(fixture_events());
    REQUIRE(write_report_file(r, path.string()).has_value());
    // overwrite: still one file, the new content
    auto r2 = r;
    r2.run_id = "second";
    REQUIRE(write_report_file(r2, path.string()).has_value());

    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    CHECK(names == std::vector<std::string>{"run.json"});
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(load_json(path)["run_id"] == "second");

    auto bad = write_report_file(r, (dir / "missing-folder" / "x.json").string());
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error(), Catch::Contains("missing-folder"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("a report with invalid UTF-8 in remote output is still written", "[report][unit]") {
    auto ev = fixture_events();
    auto s = test::fixture_step(phase::capture, "teredo", "x", 1, 0, true, "caf\xe9 \xff");
    ev.insert(ev.end() - 1, step_finished{"web02", s});
    const auto dir = fresh_dir("report-utf8");
    REQUIRE(write_report_file(build_report(ev), (dir / "r.json").string()).has_value());
    CHECK(read_report_file((dir / "r.json").string()).has_value());
    std::filesystem::remove_all(dir);
}

TEST_CASE("sha256_file and make_run_id", "[report][unit]") {
    const auto dir = fresh_dir("report-sha");
    std::ofstream(dir / "abc") << "abc";
    CHECK(sha256_file((dir / "abc").string()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_file((dir / "nope").string()).empty());
    const auto id = make_run_id(fixture_time(75, 500));
    CHECK(std::regex_match(id, std::regex("20261127T080115Z-[0-9a-f]{4}")));
    CHECK((make_run_id() != make_run_id() || make_run_id() != make_run_id()));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the shipped JSON Schema is valid JSON and built reports conform to it", "[report][unit]") {
    const auto schema = load_json(std::filesystem::path(FLEETMEND_SOURCE_DIR) / "orchestrator/report/fleetmend.report.schema.json");
    test::schema_checker checker(schema);
    for (const auto& key : schema["required"]) CHECK(report_to_json(build_report(fixture_events())).contains(key));

    const auto full = report_to_json(build_report(fixture_events()));
    CHECK(checker.check(full) == std::vector<std::string>{});

    auto ev = fixture_events();
    ev.resize(4);  // died with web01's capture in flight
    CHECK(checker.check(report_to_json(build_report(ev))) == std::vector<std::string>{});

    // the checker itself can fail: a report missing a field, a wrong status word
    auto broken = full;
    broken.erase("run_id");
    broken["hosts"][0]["status"] = "exploded";
    CHECK(checker.check(broken).size() == 2);
}
