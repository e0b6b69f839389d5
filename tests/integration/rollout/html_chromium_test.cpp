// The HTML report of a real lab run, opened in headless Chromium (Debian
// `chromium`): the summary cards and the host table are rendered from the
// page's embedded data, and no script error or console message occurred.
#include "rollout_support.hpp"

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

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

struct browser_result {
    int exit_code = -1;
    std::string dom;      // --dump-dom
    std::string console;  // Chromium's CONSOLE log lines (stderr)
};

/// Opens `page` (with the error hook) in headless Chromium, bounded to 60 s.
browser_result open_in_chromium(const fs::path& page, const fs::path& work) {
    std::string html = read_text(page);
    const auto head = html.find("<head>");
    REQUIRE(head != std::string::npos);
    html.insert(head + 6, error_hook);
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
    if (::access(chromium, X_OK) != 0) {
        WARN("skipped: " << chromium << " is missing; install Debian's chromium package (.ci/setup does)");
        return;
    }
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
    if (::access(chromium, X_OK) != 0) {
        WARN("skipped: " << chromium << " is missing; install Debian's chromium package (.ci/setup does)");
        return;
    }
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
