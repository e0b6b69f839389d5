// A run's provenance in the report: the scan it targeted (findings per host,
// closed or open, unmatched scan hosts), its approval (ticket, who, where,
// the command line) and its preflight, through the journal's events, the
// JSON report (schema and round trip) and every rendering.
#include "orchestrator/report/event_json.hpp"
#include "orchestrator/report/render.hpp"
#include "orchestrator/report/report.hpp"
#include "report_fixture.hpp"
#include "report_schema_check.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace fleetmend;

namespace {

std::vector<run_event> events_with_context() {
    auto ev = test::fixture_events();
    auto& start = std::get<run_started>(ev.front());
    scan_source scan;
    scan.path = "scans/teredo.nessus";
    scan.sha256 = std::string(64, 'a');
    scan.wanted = {"900001"};
    scan.scan_hosts = 4;
    scan.findings["web01"] = {{"900001", "Teredo Server Detection"}};
    scan.findings["web02"] = {{"900001", "Teredo Server Detection"}};
    scan.unmatched = {{"192.0.2.99", "192.0.2.99", "printer.example", "no inventory host has this name, FQDN or address"}};
    start.scan = scan;
    start.approval = run_approval{"CHG-4711", "alice (sudo from bob)", "admin-ws1", "prompt",
                                  "fleetmend run -i inv.toml playbooks/teredo-disable.toml --change-ticket CHG-4711",
                                  test::fixture_time(0)};
    start.preflight = preflight_summary{6, {{"web06", error_kind::auth, "connect: logon failed"}}, std::chrono::milliseconds{812}};
    return ev;
}

nlohmann::json schema() {
    std::ifstream f(std::filesystem::path(FLEETMEND_SOURCE_DIR) / "orchestrator/report/fleetmend.report.schema.json");
    return nlohmann::json::parse(f);
}

}  // namespace

TEST_CASE("scan, approval and preflight survive the journal's events", "[report][scan]") {
    const auto ev = events_with_context();
    const auto back = event_from_json(event_to_json(ev.front()));
    REQUIRE(back.has_value());
    const auto& start = std::get<run_started>(*back);
    const auto& original = std::get<run_started>(ev.front());
    CHECK(start.scan == original.scan);
    CHECK(start.approval == original.approval);
    CHECK(start.preflight == original.preflight);
}

TEST_CASE("the JSON report holds findings per host and whether the run closed them, and matches the schema",
          "[report][scan]") {
    const auto report = build_report(events_with_context());
    const auto j = report_to_json(report);
    test::schema_checker checker(schema());
    CHECK(checker.check(j) == std::vector<std::string>{});
    const auto* web01 = report.find("web01");
    REQUIRE(web01 != nullptr);
    CHECK(findings_closed(*web01, report.mode) == (web01->status == host_status::changed || web01->status == host_status::unchanged));
    CHECK(j["scan"]["hosts_closed"].get<int>() + j["scan"]["hosts_open"].get<int>() == 2);
    CHECK(j["approval"]["change_ticket"] == "CHG-4711");
    CHECK(j["preflight"]["passed"] == 5);
    auto back = report_from_json(j);
    REQUIRE(back.has_value());
    CHECK(back->scan->findings == report.scan->findings);
    CHECK(back->approval == report.approval);
    CHECK(back->preflight == report.preflight);
}

TEST_CASE("a rollback run never closes a finding", "[report][scan]") {
    host_report h;
    h.finished = true;
    h.status = host_status::changed;
    CHECK(findings_closed(h, run_mode::apply));
    CHECK(findings_closed(h, run_mode::audit) == true);
    CHECK_FALSE(findings_closed(h, run_mode::rollback));
    h.status = host_status::would_change;
    CHECK_FALSE(findings_closed(h, run_mode::audit));
}

TEST_CASE("every rendering shows the ticket, who confirmed, the scan and the preflight", "[report][scan]") {
    const auto report = build_report(events_with_context());
    for (const auto& [format, text] : std::vector<std::pair<std::string, std::string>>{
             {"text", render_text(report)}, {"markdown", render_markdown(report)},
             {"html", render_html(report)}, {"junit", render_junit(report)}}) {
        INFO(format);
        CHECK_THAT(text, Catch::Contains("CHG-4711"));
        CHECK_THAT(text, Catch::Contains("alice (sudo from bob) on admin-ws1"));
        CHECK_THAT(text, Catch::Contains("scans/teredo.nessus"));
        CHECK_THAT(text, Catch::Contains("192.0.2.99"));
        CHECK_THAT(text, Catch::Contains("6 hosts checked"));
    }
    CHECK_THAT(render_markdown(report), Catch::Contains("| web01 | 900001 Teredo Server Detection |"));
}

TEST_CASE("in an audit a non-compliant host is a JUnit failure", "[report][audit]") {
    auto ev = test::fixture_events();
    std::get<run_started>(ev.front()).mode = run_mode::audit;
    // web01 ends not compliant instead of changed
    for (auto& e : ev)
        if (auto* f = std::get_if<host_finished>(&e); f != nullptr && f->host == "web01") {
            f->status = host_status::would_change;
            f->message = "would change: teredo.type is client, wants disabled";
        }
    const auto xml = render_junit(build_report(ev));
    CHECK_THAT(xml, Catch::Contains("<failure type=\"non-compliant\" message=\"would change: teredo.type is client"));
    std::get<run_started>(ev.front()).mode = run_mode::check;
    CHECK_THAT(render_junit(build_report(ev)), !Catch::Contains("non-compliant"));  // a check only informs
}
