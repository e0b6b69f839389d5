// Maintenance windows and change tickets, on the lab with the real binary.
// The clock of the fleetmend under test is moved with libfaketime (Debian
// `faketime`), the monotonic clock left alone, so a window closes while the
// rollout runs without waiting for a real weekend; the lab keeps real time.
#include "rollout_support.hpp"
#include "tests/integration/support/child_process.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fleetmend::test;
using namespace std::chrono;

namespace {

constexpr int exit_outside_window = 6;  // README "Exit status"
const char* const faketime_library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
const std::string shipped = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";

/// Children started while it lives see the wall clock `offset` away from ours.
class shifted_clock {
public:
    explicit shifted_clock(seconds offset) {
        ::setenv("LD_PRELOAD", faketime_library, 1);
        ::setenv("FAKETIME", ((offset.count() >= 0 ? "+" : "") + std::to_string(offset.count()) + "s").c_str(), 1);
        ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    }
    ~shifted_clock() {
        ::unsetenv("LD_PRELOAD");
        ::unsetenv("FAKETIME");
        ::unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
    }
    shifted_clock(const shifted_clock&) = delete;
    shifted_clock& operator=(const shifted_clock&) = delete;
};

std::string hh_mm(system_clock::time_point t) {
    const auto day = floor<days>(t);
    const hh_mm_ss time{floor<minutes>(t - day)};
    char text[16];
    std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()));
    return text;
}

}  // namespace

TEST_CASE("a window that closes mid-rollout: no new host starts, exit 6, resume refuses until it opens again",
          "[rollout][window][integration]") {
    skip_unless_file(faketime_library, "faketime");
    // Slow hosts, one at a time: the run outlasts the 30 s left in the window.
    rollout_lab lab("window", {.hosts = 8, .octet = 82, .types = "[types]\nclient = 1\n",
                               .faults = "[[fault]]\nkind = \"slow\"\nhosts = [1, 2, 3, 4, 5, 6, 7, 8]\n"
                                         "latency = \"400ms\"\n"});
    // The window ends at the next whole minute of the fake clock, which
    // starts 30 s before it; it opened 10 minutes earlier (UTC, every day).
    const auto now = system_clock::now();
    const auto end = ceil<minutes>(now + seconds{31});
    const seconds offset = duration_cast<seconds>((end - seconds{30}) - now);
    const std::string window = hh_mm(end - minutes{10}) + "-" + hh_mm(end) + " UTC";

    fleetmend_run run;
    {
        shifted_clock clock(offset);
        run = lab.fleetmend("run", {"run", "-i", lab.inventory(), shipped, "--yes", "--batches", "1,100%",
                                    "--concurrency", "1", "--window", window, "--change-ticket", "CHG-4711"});
    }
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == exit_outside_window);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(run.report["rollout"]["settings"]["window"] == window);
    CHECK(run.report["interrupted"] == true);
    CHECK_THAT(run.output, Catch::Contains("WINDOW CLOSED"));
    int changed = 0, skipped = 0;
    for (const auto& host : run.report["hosts"]) {
        const auto status = host["status"].get<std::string>();
        INFO(host["name"] << " " << status);
        CHECK((status == "changed" || status == "skipped"));  // the host in flight finished its steps
        if (status == "skipped") CHECK_THAT(host["error"].get<std::string>(), Catch::Contains("maintenance window closed"));
        changed += status == "changed";
        skipped += status == "skipped";
    }
    CHECK(changed >= 1);
    CHECK(skipped >= 1);
    CHECK(run.report["approval"]["change_ticket"] == "CHG-4711");
    const auto journal = lab.report_path("run").replace_extension(".journal").string();

    // outside the window (the fake clock just past its end): resume refuses, nothing changes
    unsigned applies_before = 0;
    for (const auto& host : lab.hosts()) applies_before += lab.applies(host);
    {
        shifted_clock clock(offset + seconds{60});
        const auto refused = lab.fleetmend_plain({"resume", journal, "--yes"});
        INFO(describe(refused));
        CHECK(refused.exit_code == exit_outside_window);
        CHECK_THAT(refused.output, Catch::Contains("outside the maintenance window"));
        CHECK_THAT(refused.output, Catch::Contains("opens next at"));
    }
    unsigned applies_after = 0;
    for (const auto& host : lab.hosts()) applies_after += lab.applies(host);
    CHECK(applies_after == applies_before);

    // inside it again (5 minutes before its end): the rest of the plan runs
    {
        shifted_clock clock(offset - seconds{270});
        const auto resumed = lab.fleetmend_plain({"resume", journal, "--yes"}, seconds{240});
        INFO(describe(resumed));
        CHECK(resumed.exit_code == 0);
    }
    for (const auto& host : lab.hosts()) CHECK(lab.type_now(host) == "disabled");
}

TEST_CASE("outside the window a run refuses before touching any host, --check ignores the window",
          "[rollout][window][integration]") {
    rollout_lab lab("closed", {.hosts = 3, .octet = 83, .types = "[types]\nclient = 1\n"});
    // a window that opened and closed an hour ago (UTC, every day)
    const auto now = system_clock::now();
    const std::string window = hh_mm(now - minutes{90}) + "-" + hh_mm(now - minutes{60}) + " UTC";
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), shipped, "--yes", "--window", window});
    INFO(describe(run));
    CHECK(run.exit_code == exit_outside_window);
    CHECK_THAT(run.output, Catch::Contains("opens next at"));
    CHECK_FALSE(run.report.is_object());  // no run started
    for (const auto& host : lab.hosts()) CHECK(lab.fleet().counters(host).connections == 0u);
    const auto check = lab.fleetmend("check", {"run", "-i", lab.inventory(), shipped, "--check", "--window", window});
    INFO(describe(check));
    CHECK(check.exit_code == 0);
}

TEST_CASE("require_ticket: refused without --change-ticket, the ticket, who, where and the command line are recorded",
          "[rollout][ticket][integration]") {
    rollout_lab lab("ticket", {.hosts = 2, .octet = 84, .types = "[types]\nclient = 1\n"});
    const auto playbook = lab.dir() / "ticketed.toml";
    {
        std::string text = read_text(shipped);
        const auto at = text.find("[rollout]\n");
        REQUIRE(at != std::string::npos);
        text.insert(at + 10, "require_ticket = true\n");
        std::ofstream(playbook) << text;
    }
    const auto refused = lab.fleetmend("refused", {"run", "-i", lab.inventory(), playbook.string(), "--yes"});
    INFO(describe(refused));
    CHECK(refused.exit_code == 64);
    CHECK_THAT(refused.output, Catch::Contains("add --change-ticket ID"));
    for (const auto& host : lab.hosts()) CHECK(lab.fleet().counters(host).connections == 0u);

    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook.string(), "--yes", "--change-ticket", "CHG-0815"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    const auto& approval = run.report["approval"];
    CHECK(approval["change_ticket"] == "CHG-0815");
    CHECK(approval["how"] == "--yes");
    CHECK_FALSE(approval["confirmed_by"].get<std::string>().empty());
    CHECK_FALSE(approval["workstation"].get<std::string>().empty());
    CHECK_THAT(approval["command_line"].get<std::string>(), Catch::Contains("run -i " + lab.inventory()));
    CHECK_THAT(approval["command_line"].get<std::string>(), Catch::Contains("--change-ticket CHG-0815"));
    // the lab's password (from its password file) is nowhere in the report
    const std::string password = read_text(lab.dir() / "lab" / "password");
    if (!password.empty()) CHECK(run.report.dump().find(password) == std::string::npos);
    for (const char* format : {"markdown", "html", "junit", "text"}) {
        INFO(format);
        const auto rendered = lab.fleetmend_plain({"report", lab.report_path("run").string(), "--format", format});
        CHECK_THAT(rendered.output, Catch::Contains("CHG-0815"));
        CHECK_THAT(rendered.output, Catch::Contains("Confirmed by"));
    }
}
