// What every rendering says about a host's outcome: a rollback run's
// restored hosts are successes, and a failure carries the lines that explain
// it (stderr's, or stdout's when the tool printed its refusal there).
#include "orchestrator/report/render.hpp"
#include "report_fixture.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using fleetmend::test::fixture_events;
using fleetmend::test::fixture_step;
using fleetmend::test::fixture_time;

namespace {

/// A rollback run that restored `restored` hosts (disabled -> client) and,
/// when asked, one host whose restore failed.
run_report rollback_report(int restored, bool one_fails = false) {
    std::vector<run_event> ev;
    run_started start;
    start.run_id = "20261127T090000Z-0b0b";
    start.mode = run_mode::rollback;
    start.source_report = "reports/20261127T080000Z-3f9a.json";
    start.tool_version = "0.1.0";
    std::vector<std::string> names;
    for (int i = 1; i <= restored + (one_fails ? 1 : 0); ++i) names.push_back("win" + std::to_string(100 + i));
    start.batches = {names};
    start.at = fixture_time(0);
    ev.emplace_back(start);
    ev.emplace_back(batch_started{1, fixture_time(1)});
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto& name = names[i];
        const bool fails = one_fails && i + 1 == names.size();
        ev.emplace_back(host_started{name, "127.0.0.1", transport_kind::winrm, 1, fixture_time(1)});
        ev.emplace_back(facts_captured{name, true, {{"teredo.type", "disabled"}}});
        ev.emplace_back(step_finished{name, fixture_step(phase::rollback, "restore previous type",
                                                         "netsh interface teredo set state type=client", 2, fails ? 1 : 0,
                                                         !fails, fails ? "The requested operation requires elevation.\r\n" : "Ok.\r\n")});
        if (!fails) ev.emplace_back(facts_captured{name, false, {{"teredo.type", "client"}}});
        ev.emplace_back(host_finished{name, fails ? host_status::rollback_failed : host_status::rolled_back,
                                      std::nullopt, fails ? "rollback 'restore previous type': exit code 1, expected 0" : "",
                                      fixture_time(3)});
    }
    ev.emplace_back(batch_finished{1, one_fails ? 1 : 0, false, "", fixture_time(4)});
    ev.emplace_back(run_finished{false, fixture_time(5)});
    return build_report(ev);
}

}  // namespace

TEST_CASE("a rollback run that restored every host is a success in the recap, Markdown, HTML and JUnit",
          "[report][unit]") {
    const auto report = rollback_report(16);
    REQUIRE(report.summary.at("rolled-back") == 16);

    const auto text = render_text(report);
    CHECK_THAT(text, !Catch::Contains("FAILURES"));
    CHECK_THAT(text, Catch::Contains("RESTORED (16)"));
    CHECK_THAT(text, Catch::Contains("rolled-back      teredo.type = client"));

    const auto md = render_markdown(report);
    CHECK_THAT(md, !Catch::Contains("## Failures"));

    const auto html = render_html(report);
    CHECK_THAT(html, !Catch::Contains("<h2>Failures"));

    const auto xml = render_junit(report);
    CHECK_THAT(xml, Catch::Contains("tests=\"16\" failures=\"0\" errors=\"0\" skipped=\"0\""));
    CHECK_THAT(xml, !Catch::Contains("<failure"));
    CHECK_THAT(xml, Catch::Contains("restored: teredo.type = client"));
}

TEST_CASE("in a rollback run a failed restore still fails, with its evidence", "[report][unit]") {
    const auto report = rollback_report(3, true);
    const auto text = render_text(report);
    CHECK_THAT(text, Catch::Contains("FAILURES (1)"));
    CHECK_THAT(text, Catch::Contains("RESTORED (3)"));
    CHECK_THAT(text, Catch::Contains("stdout: The requested operation requires elevation."));
    const auto xml = render_junit(report);
    CHECK_THAT(xml, Catch::Contains("tests=\"4\" failures=\"1\""));
    CHECK_THAT(xml, Catch::Contains("<failure type=\"rollback-failed\" message=\"rollback &#39;restore previous type&#39;: "
                                    "exit code 1, expected 0 — The requested operation requires elevation.\""));
}

TEST_CASE("a rolled-back host of an apply run is still a failure everywhere", "[report][unit]") {
    const auto report = build_report(fixture_events());
    CHECK_THAT(render_text(report), Catch::Contains("FAILURES (3)"));
    CHECK_THAT(render_junit(report), Catch::Contains("<failure type=\"rolled-back\""));
}

TEST_CASE("every failure view carries the last lines that explain the failure", "[report][unit]") {
    const auto report = build_report(fixture_events());
    const host_report* web05 = report.find("web05");  // verify failed; stdout only
    const host_report* web03 = report.find("web03");  // apply refused; stderr
    REQUIRE(web05);
    REQUIRE(web03);
    CHECK(failure_message(*web05) == "verify 'teredo type is disabled' failed after 3 attempts — Type : client | x");
    CHECK(failure_message(*web03) ==
          "apply 'disable teredo' exited 1: run as an administrator <b> — The requested operation requires elevation "
          "<b>&\"now\"</b>");

    const auto text = render_text(report);
    CHECK_THAT(text, Catch::Contains("stdout: Type : client | x"));
    CHECK_THAT(text, Catch::Contains("stderr: The requested operation requires elevation"));

    const auto md = render_markdown(report);
    CHECK_THAT(md, Catch::Contains("failed after 3 attempts — Type : client \\| x"));
    CHECK_THAT(md, Catch::Contains("stdout:\n\n```text\nType : client | x"));

    const auto html = render_html(report);
    CHECK_THAT(html, Catch::Contains("<p>verify &#39;teredo type is disabled&#39; failed after 3 attempts — Type : client | x</p>"));
    CHECK_THAT(html, Catch::Contains("<p>stdout:</p><pre>Type : client | x"));

    const auto xml = render_junit(report);
    CHECK_THAT(xml, Catch::Contains("message=\"verify &#39;teredo type is disabled&#39; failed after 3 attempts — "
                                    "Type : client | x\""));
    CHECK_THAT(xml, Catch::Contains("requires elevation &lt;b&gt;"));
}

TEST_CASE("failure_evidence prefers stderr's last lines and skips blank ones", "[report][unit]") {
    auto step = fixture_step(phase::apply, "a", "cmd", 1, 1, false, "out1\nout2\n", "e1\n\ne2\ne3\ne4\n\n");
    CHECK(failure_evidence(step) == std::vector<std::string>{"e2", "e3", "e4"});
    step.stderr_excerpt.clear();
    CHECK(failure_evidence(step) == std::vector<std::string>{"out1", "out2"});
    step.ok = true;
    CHECK(failure_evidence(step).empty());
    CHECK(last_lines_of("\n\n", 3).empty());
    CHECK(last_lines_of("  one  \r\n", 3) == std::vector<std::string>{"one"});
}
