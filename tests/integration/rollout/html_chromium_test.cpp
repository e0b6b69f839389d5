// The HTML report of a real lab run, opened in headless Chromium (Debian
// `chromium`): the summary cards and the host table are rendered from the
// page's embedded data, and no script error or console message occurred.
#include "rollout_support.hpp"
#include "tests/support/test_files.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* chromium = "/usr/bin/chromium";

// Observes the page without changing it: records uncaught errors, rejected
// promises, CSP violations and console.error/warn into an attribute of <html>
// that --dump-dom shows. Inserted first in <head>, so it sees everything.
constexpr const char* error_hook =
    "<script>(function(){var d=document.documentElement;function note(t){"
    "d.setAttribute('data-fm-errors',(d.getAttribute('data-fm-errors')||'')+t+'\\n');}"
    "window.addEventListener('error',function(e){note('error: '+e.message);});"
    "window.addEventListener('unhandledrejection',function(e){note('rejection: '+e.reason);});"
    "document.addEventListener('securitypolicyviolation',function(e){note('csp: '+e.violatedDirective+' '+e.blockedURI);});"
    "['error','warn'].forEach(function(k){var f=console[k];console[k]=function(){"
    "note('console.'+k+': '+Array.prototype.join.call(arguments,' '));return f.apply(console,arguments);};});"
    "})();</script>";

struct browser_result {
    int exit_code = -1;
    std::string dom;      // --dump-dom
    std::string console;  // Chromium's CONSOLE log lines (stderr)
};

/// Opens `page` (with the error hook) in headless Chromium, bounded to 60 s.
/// `after_load` is script run once the page has loaded (a user's clicks);
browser_result open_in_chromium(const fs::path& page, const fs::path& work, const std::string& after_load = "") {
    std::string html = read_text(page);
    const auto head = html.find("<head>");
    REQUIRE(head != std::string::npos);
    html.insert(head + 6, error_hook);
    if (!after_load.empty()) {
        const auto end = html.rfind("</body>");
        REQUIRE(end != std::string::npos);
        html.insert(end, "<script>window.addEventListener('load',function(){" + after_load + "});</script>");
    }
    const fs::path hooked = work / "hooked.html", dom = work / "dom.html", log = work / "chromium.log";
    std::ofstream(hooked) << html;
    const std::string command = std::string("timeout 60 ") + chromium +
                                " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=" +
                                (work / "profile").string() +
                                " --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom file://" +
                                hooked.string() + " > " + dom.string() + " 2> " + log.string();
    browser_result result;
    const int status = std::system(command.c_str());
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.dom = read_text(dom);
    std::istringstream lines(read_text(log));
    for (std::string line; std::getline(lines, line);)
        if (line.find(":CONSOLE") != std::string::npos) result.console += line + "\n";
    return result;
}

std::string errors_noted(const std::string& dom) {
    std::smatch m;
    if (std::regex_search(dom, m, std::regex("data-fm-errors=\"([^\"]*)\""))) return m[1];
    return {};
}

int count_of(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

}  // namespace

TEST_CASE("the HTML report of a lab run renders its counts and host table in Chromium with no console error",
          "[report][html][integration]") {
    skip_unless_executable(chromium, "chromium");
    // 30 hosts: mixed types, one down, one failing its verify, so the page
    // has changed, unchanged, failed and unreachable hosts and a failure card
    rollout_lab lab("html", {.hosts = 30, .octet = 69,
                             .types = "[types]\ndefault = 1\nclient = 1\ndisabled = 1\n",
                             .faults = "[[fault]]\nkind = \"down\"\nhosts = [5]\n"});
    std::string failing;
    for (const auto& host : lab.hosts())
        if (failing.empty() && host != lab.hosts()[4] && lab.type_initially(host) != "disabled" &&
            host != lab.hosts()[0])
            failing = host;
    const auto playbook = playbook_failing_verify_on(lab.dir(), {failing});
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook.string(), "--yes",
                                           "--max-fail-percentage", "100", "--on-failure", "halt"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    const fs::path page = lab.dir() / "report.html";
    const auto render = lab.fleetmend_plain({"report", lab.report_path("run").string(), "--format", "html", "-o",
                                                 page.string()});
    INFO(describe(render));
    REQUIRE(render.exit_code == 0);

    const auto browser = open_in_chromium(page, lab.dir());
    INFO("chromium exit " << browser.exit_code << "\nconsole:\n" << browser.console << "\nDOM (start):\n"
                          << browser.dom.substr(0, 3000));
    REQUIRE(browser.exit_code == 0);
    REQUIRE_FALSE(browser.dom.empty());
    CHECK(errors_noted(browser.dom).empty());
    CHECK(browser.console.empty());
    // the script ran to its end
    CHECK(std::regex_search(browser.dom, std::regex("<body[^>]* data-rendered=\"[0-9]+\"")));

    // the summary cards carry the report's counts
    const auto& summary = run.report["summary"];
    CHECK(browser.dom.find("<b>30</b><span>hosts</span>") != std::string::npos);
    for (const char* word : {"changed", "unchanged", "failed", "unreachable"}) {
        INFO(word);
        REQUIRE(summary[word].get<int>() > 0);
        CHECK(browser.dom.find("<b>" + std::to_string(summary[word].get<int>()) + "</b><span>" + word + "</span>") !=
              std::string::npos);
    }
    // failures first, then the host table: one row per host (one page of 100)
    CHECK(browser.dom.find("Failures (2)") != std::string::npos);
    const auto rows_at = browser.dom.find("<tbody id=\"rows\">");
    REQUIRE(rows_at != std::string::npos);
    const auto rows = browser.dom.substr(rows_at, browser.dom.find("</tbody>", rows_at) - rows_at);
    CHECK(count_of(rows, "<tr") == 30);
    for (const auto& host : lab.hosts()) {
        INFO(host);
        CHECK(rows.find("<td>" + host + "</td>") != std::string::npos);
    }
    CHECK(rows.find("<td>" + failing + "</td>") != std::string::npos);
    CHECK(browser.dom.find("page 1 of 1 · 30 of 30 hosts") != std::string::npos);
}

TEST_CASE("the Chromium check sees a script error when there is one", "[report][html][integration]") {
    skip_unless_executable(chromium, "chromium");
    const fs::path dir = fs::temp_directory_path() / ("fleetmend-html-broken-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "broken.html") << "<!DOCTYPE html><html><head><title>x</title></head><body>"
                                          "<script>console.error('drawn wrong');null.rows;</script></body></html>";
    const auto browser = open_in_chromium(dir / "broken.html", dir);
    fs::remove_all(dir);
    INFO("console:\n" << browser.console << "\nDOM:\n" << browser.dom);
    CHECK(browser.exit_code == 0);
    const auto noted = errors_noted(browser.dom);
    CHECK(noted.find("console.error: drawn wrong") != std::string::npos);
    CHECK(noted.find("error: ") != std::string::npos);
    CHECK_FALSE(browser.console.empty());
}

TEST_CASE("the HTML page of a lab run: a row opens its detail with stdout and stderr, sha256 and exit status shown, "
          "a screenshot drawn", "[report][html][integration]") {
    skip_unless_executable(chromium, "chromium");
    rollout_lab lab("html-detail", {.hosts = 6, .octet = 74, .types = "[types]\nclient = 1\n",
                                    .faults = "[[fault]]\nkind = \"not-elevated\"\nhosts = [2]\n"});
    const auto failing = lab.hosts()[1];
    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook, "--yes", "--batches", "100%",
                                           "--max-fail-percentage", "100"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 2);
    CHECK(status_of(run.report, failing) == "failed");
    const fs::path page = lab.dir() / "report.html";
    const auto render = lab.fleetmend_plain({"report", lab.report_path("run").string(), "--format", "html", "-o",
                                             page.string()});
    REQUIRE(render.exit_code == 0);

    // what a user does: click the failing host's row
    const std::string click = "var rows=document.querySelectorAll('#rows tr');for(var i=0;i<rows.length;i++)"
                              "if(rows[i].firstChild.textContent==='" + failing + "')rows[i].click();";
    const auto browser = open_in_chromium(page, lab.dir(), click);
    INFO("chromium exit " << browser.exit_code << "\nconsole:\n" << browser.console << "\nDOM (start):\n"
                          << browser.dom.substr(0, 4000));
    REQUIRE(browser.exit_code == 0);
    CHECK(errors_noted(browser.dom).empty());
    CHECK_THAT(browser.dom, Catch::Contains("Click a row to open that host's detail"));
    CHECK_THAT(browser.dom, Catch::Contains("sha256 " + run.report["playbook"]["sha256"].get<std::string>()));
    CHECK_THAT(browser.dom, Catch::Contains("exit status <b id=\"exit\">2</b>"));
    // the failure card carries the evidence, and the detail panel the excerpts
    CHECK_THAT(browser.dom, Catch::Contains("requires elevation"));
    const auto detail_at = browser.dom.find("<div id=\"detail\">");
    REQUIRE(detail_at != std::string::npos);
    const auto detail = browser.dom.substr(detail_at, browser.dom.find("</table>", detail_at) - detail_at);
    CHECK_THAT(detail, Catch::Contains("<h3>" + failing + " — failed</h3>"));
    CHECK_THAT(detail, Catch::Contains("<b>stdout</b><pre>"));
    CHECK_THAT(detail, Catch::Contains("requires elevation"));
    // the page drawn: a screenshot (a second Chromium run, since one run does one command)
    const fs::path shot = lab.dir() / "screenshot.png";
    const std::string command = std::string("timeout 60 ") + chromium +
                                " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=" +
                                (lab.dir() / "profile-shot").string() +
                                " --window-size=1280,1600 --virtual-time-budget=5000 --screenshot=" + shot.string() +
                                " file://" + page.string() + " > " + (lab.dir() / "shot.log").string() + " 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    const auto png = read_text(shot);
    REQUIRE(png.size() > 10000);
    CHECK(png.substr(1, 3) == "PNG");
}
