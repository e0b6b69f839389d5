// Renderings of a fixed report against goldens, escaping of hostile remote
// text, the HTML page's promises, merging, and that no secret can appear.
#include "orchestrator/report/escape.hpp"
#include "orchestrator/report/merge.hpp"
#include "orchestrator/report/render.hpp"
#include "report_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fleetmend;
using fleetmend::test::fixture_events;
using fleetmend::test::fixture_time;
namespace fs = std::filesystem;

namespace {

/// Compares with tests/orchestrator/golden/NAME; FLEETMEND_UPDATE_GOLDEN=1 rewrites it.
void check_golden(const std::string& name, const std::string& actual) {
    const auto path = fs::path(FLEETMEND_SOURCE_DIR) / "tests/orchestrator/golden" / name;
    if (std::getenv("FLEETMEND_UPDATE_GOLDEN")) {
        std::ofstream(path, std::ios::binary) << actual;
        WARN("rewrote " << path);
    }
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream expected;
    expected << in.rdbuf();
    CHECK(actual == expected.str());
}

run_report fixture_report() { return build_report(fixture_events()); }

}  // namespace

TEST_CASE("the text recap matches its golden", "[report][unit]") {
    check_golden("recap.txt", render_text(fixture_report()));
}
TEST_CASE("the Markdown report matches its golden", "[report][unit]") {
    check_golden("report.md", render_markdown(fixture_report()));
}
TEST_CASE("the JUnit XML matches its golden", "[report][unit]") {
    check_golden("junit.xml", render_junit(fixture_report()));
}
TEST_CASE("the JSON report matches its golden", "[report][unit]") {
    check_golden("report.json", report_to_json(fixture_report()).dump(2) + "\n");
}

TEST_CASE("the recap lists failures first, then each changed host's before -> after", "[report][unit]") {
    const auto text = render_text(fixture_report());
    const auto failures = text.find("FAILURES (3)");
    const auto changes = text.find("CHANGES (1)");
    REQUIRE(failures != std::string::npos);
    REQUIRE(changes != std::string::npos);
    CHECK(failures < changes);
    CHECK_THAT(text, Catch::Contains("teredo.type: client -> disabled"));
    CHECK_THAT(text, Catch::Contains("total=6"));
    CHECK(text.find("FAILURES (3)") != std::string::npos);
    CHECK_THAT(text, Catch::Contains("HALTED: 2 of 4 hosts failed"));
    CHECK_THAT(text, Catch::Contains("stderr: The requested operation requires elevation"));
}

TEST_CASE("a step cut off by its timeout shows what it printed, in every failure view", "[report][unit]") {
    auto events = fixture_events();
    const std::string printed = "Stopping Teredo\r\nstep 1 of 4\r\nstep 2 of 4\r\nWaiting for iphlpsvc <b>\r\n";
    for (auto& event : events)
        if (auto* finished = std::get_if<step_finished>(&event);
            finished && finished->host == "web03" && finished->step.in_phase == phase::apply) {
            finished->step.exit_code.reset();
            finished->step.error = error_kind::timeout;
            finished->step.stdout_excerpt = printed;
            finished->step.stderr_excerpt.clear();
        }
    const auto report = build_report(events);
    const auto* web03 = &report.hosts[0];
    for (const auto& h : report.hosts)
        if (h.name == "web03") web03 = &h;
    REQUIRE(failed_step(*web03) != nullptr);
    CHECK(cut_off_output(*failed_step(*web03)) == printed);

    // The recap: the last three lines, where the command stopped.
    const auto text = render_text(report);
    CHECK_THAT(text, Catch::Contains("stdout before the cut: step 1 of 4"));
    CHECK_THAT(text, Catch::Contains("stdout before the cut: Waiting for iphlpsvc <b>"));
    CHECK_THAT(text, !Catch::Contains("stdout before the cut: Stopping Teredo"));
    CHECK_THAT(render_html(report), Catch::Contains("Printed before it was cut off:</p><pre>Stopping Teredo"));
    CHECK_THAT(render_html(report), Catch::Contains("Waiting for iphlpsvc &lt;b&gt;"));
    CHECK_THAT(render_markdown(report), Catch::Contains("Printed before it was cut off:"));
    CHECK_THAT(render_junit(report), Catch::Contains("stdout before it was cut off:\nStopping Teredo"));

    // A step that failed its expectation with no transport error was not cut
    // off: its stdout is evidence, not "what it printed before the cut".
    CHECK_THAT(render_text(fixture_report()), !Catch::Contains("before the cut"));
    CHECK_THAT(render_text(fixture_report()), Catch::Contains("stdout: Type : client | x"));
}

TEST_CASE("remote text cannot inject markup or terminal controls", "[report][unit]") {
    auto events = fixture_events();
    const std::string hostile = "</script><script>alert(1)</script> | `x` \x1b[2J\x07 <!-- ]]> \xff";
    events.insert(events.end() - 1, host_finished{"web03", host_status::failed, std::nullopt, hostile, fixture_time(7)});
    const auto r = build_report(events);

    const auto text = render_text(r);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    CHECK_THAT(text, Catch::Contains("\\x1b[2J"));

    const auto html = render_html(r);
    CHECK(html.find("<script>alert(1)") == std::string::npos);
    CHECK(html.find("</script><script>") == std::string::npos);
    CHECK_THAT(html, Catch::Contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    CHECK(html.find("<b>&\"now\"</b>") == std::string::npos);

    const auto xml = render_junit(r);
    CHECK(xml.find("<script>") == std::string::npos);
    CHECK(xml.find('\x1b') == std::string::npos);
    CHECK(xml.find("\xff") == std::string::npos);

    const auto md = render_markdown(r);
    CHECK(md.find("<script>") == std::string::npos);
    CHECK_THAT(md, Catch::Contains("\\| \\`x\\`"));

    CHECK(markdown_code_block("a ``` b").find("````text\n") == 0);
    CHECK(valid_utf8("ok \xc3\xa9 \xc3") == "ok \xc3\xa9 \xEF\xBF\xBD");
    CHECK(valid_utf8("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate is not UTF-8
}

TEST_CASE("the HTML page is self-contained and embeds its data safely", "[report][unit]") {
    const auto html = render_html(fixture_report());
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
    CHECK_THAT(html, Catch::Contains("default-src 'none'"));  // a CSP forbids any fetch
    for (const char* fetch : {"src=\"http", "href=\"http", "src='http", "@import", "url(http", "<link"})
        CHECK(html.find(fetch) == std::string::npos);
    CHECK_THAT(html, Catch::Contains("<svg class=\"timeline\""));
    CHECK_THAT(html, Catch::Contains("Failures (3)"));
    // failures come before the host table
    CHECK(html.find("Failures (3)") < html.find("<table id=\"hosts\""));

    const auto start = html.find("<script type=\"application/json\" id=\"fm-data\">");
    REQUIRE(start != std::string::npos);
    const auto body_start = html.find('>', start) + 1;
    const auto body = html.substr(body_start, html.find("</script>", body_start) - body_start);
    CHECK(body.find('<') == std::string::npos);
    const auto data = nlohmann::json::parse(body);
    REQUIRE(data["hosts"].size() == 6);
    CHECK(data["hosts"][0][5] == "teredo.type: client -> disabled");
    // a step's stdout and stderr excerpts, interned in the string table (every step, for the detail panel)
    const auto& strings = data["strings"];
    const auto& apply = data["hosts"][2][8][1];
    CHECK(strings[apply[9].get<int>()] == "The requested operation requires elevation <b>&\"now\"</b>");
    CHECK(strings[data["hosts"][0][8][0][8].get<int>()] == "Teredo Parameters\r\nType : client\r\n");
}

TEST_CASE("the HTML page of 10,000 hosts stays small and renders rows on demand", "[report][unit]") {
    auto events = fixture_events();
    run_started& start = std::get<run_started>(events.front());
    std::vector<std::string> big;
    for (int i = 0; i < 10000; ++i) big.push_back("host" + std::to_string(i));
    start.batches.push_back(big);
    events.pop_back();
    events.emplace_back(batch_started{4, fixture_time(8)});
    for (int i = 0; i < 10000; ++i) {
        const auto name = "host" + std::to_string(i);
        events.emplace_back(host_started{name, "10.0.0.1", transport_kind::winrm, 4, fixture_time(8)});
        events.emplace_back(step_finished{name, test::fixture_step(phase::capture, "teredo", "netsh", 8, 0, true, "Type : client")});
        events.emplace_back(facts_captured{name, true, {{"teredo.type", "client"}}});
        events.emplace_back(facts_captured{name, false, {{"teredo.type", "disabled"}}});
        events.emplace_back(host_finished{name, i % 20 == 0 ? host_status::failed : host_status::changed,
                                          std::nullopt, "", fixture_time(9)});
    }
    events.emplace_back(batch_finished{4, 500, false, "", fixture_time(9)});
    events.emplace_back(run_finished{false, fixture_time(10)});
    const auto r = build_report(events);
    const auto t0 = std::chrono::steady_clock::now();
    const auto html = render_html(r);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(html.size() < 8u * 1024 * 1024);
    // The time is a figure, not a pass/fail: the sanitizer build runs this 3x slower.
    // no table rows in the markup: the script draws one page at a time
    CHECK(html.find("<tr><td>") == std::string::npos);
    CHECK_THAT(html, Catch::Contains("more: filter the host table by status"));
    WARN("10,000-host HTML: " << html.size() / 1024 << " KiB, rendered in "
                              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
}

TEST_CASE("merge: a host's latest result wins, totals recomputed, sources listed", "[report][unit]") {
    const auto first = fixture_report();
    // a later rerun of the failed host web03 that succeeded
    auto events = fixture_events();
    auto& start = std::get<run_started>(events.front());
    start.run_id = "20261127T090000Z-beef";
    start.batches = {{"web03"}};
    std::vector<run_event> rerun{start,
                                 batch_started{1, fixture_time(3600)},
                                 host_started{"web03", "127.0.0.13", transport_kind::winrm, 1, fixture_time(3600)},
                                 facts_captured{"web03", true, {{"teredo.type", "default"}}},
                                 facts_captured{"web03", false, {{"teredo.type", "disabled"}}},
                                 host_finished{"web03", host_status::changed, std::nullopt, "", fixture_time(3601)},
                                 batch_finished{1, 0, false, "", fixture_time(3601)},
                                 run_finished{false, fixture_time(3602)}};
    const auto second = build_report(rerun);

    for (const auto& order : {std::vector<int>{0, 1}, std::vector<int>{1, 0}}) {
        std::vector<merge_input> inputs;
        for (int i : order) inputs.push_back(i == 0 ? merge_input{first, "a.json"} : merge_input{second, "b.json"});
        const auto merged = merge_reports(inputs, "merged-1");
        REQUIRE(merged.hosts.size() == 6);
        CHECK(merged.find("web03")->status == host_status::changed);  // later by end time, whatever the order
        CHECK(merged.find("web03")->run_id == "20261127T090000Z-beef");
        CHECK(merged.find("web01")->run_id == "20261127T080000Z-3f9a");
        CHECK(merged.summary.at("changed") == 2);
        CHECK(merged.summary.at("failed") == 0);
        CHECK(merged.summary.at("total") == 6);
        CHECK(merged.sources.size() == 2);
        CHECK(merged.batches.size() == 4);
        CHECK(merged.started == fixture_time(0));
        CHECK(merged.finished == fixture_time(3602));
        const auto back = report_from_json(report_to_json(merged));
        REQUIRE(back.has_value());
        CHECK(back->sources.size() == 2);
    }
}

TEST_CASE("no rendering can show a password: the report holds none", "[report][unit]") {
    // What the engine sees of a host: its resolved connection settings,
    // password included. Build the run's events the way it does.
    const std::string sample = "Pa55-w0rd-SAMPLE-7d1f";
    connection_settings conn;
    conn.host_name = "web09";
    conn.address = "127.0.0.19";
    conn.user = "CORP\\svc-remediate";
    conn.password = secret(sample);
    auto events = fixture_events();
    events.insert(events.end() - 1, host_started{conn.host_name, conn.address, conn.kind, 3, fixture_time(7)});
    events.insert(events.end() - 1, host_finished{conn.host_name, host_status::failed, error_kind::auth,
                                                  "user " + conn.user + " was refused (password " +
                                                      secret::mask() + ")", fixture_time(8)});
    const auto r = build_report(events);
    for (const auto& out : {report_to_json(r).dump(), render_text(r), render_markdown(r), render_junit(r),
                            render_html(r)})
        CHECK(out.find(sample) == std::string::npos);
    CHECK(render_text(r).find("********") != std::string::npos);
}
