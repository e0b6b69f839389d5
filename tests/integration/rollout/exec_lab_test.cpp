// `fleetmend exec` on the lab (simulated Windows hosts over WinRM with NTLM
// sealing): one command everywhere, identical answers grouped once with
// their count and names, per-host JSON, the exit status of a run, a report
// on request, and a clear word that nothing of it can be rolled back.
#include "rollout_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

std::vector<nlohmann::json> json_lines(const std::string& output) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (parsed.is_object()) lines.push_back(std::move(parsed));
    }
    return lines;
}

}  // namespace

TEST_CASE("exec runs one command on every targeted host and groups identical answers as dshbak -c does",
          "[rollout][exec][integration]") {
    rollout_lab lab("exec", {.hosts = 6, .octet = 71,
                             .types = "[types]\nclient = 1\ndisabled = 1\n",
                             .faults = "[[fault]]\nkind = \"down\"\nhosts = [6]\n"});
    const auto hosts = lab.hosts();

    // the same answer from every reachable host: one group of 5
    const auto who = lab.fleetmend_plain({"exec", "-i", lab.inventory(), "--limit", "all", "--", "whoami"});
    INFO(describe(who));
    CHECK(who.exit_code == 3);  // one host unreachable, none failed: as for run
    CHECK_THAT(who.output, Catch::Contains("---- 5 hosts, exit 0: " + hosts[0] + ", " + hosts[1]));
    CHECK_THAT(who.output, Catch::Contains("---- 1 host, unreachable: " + hosts[5]));
    CHECK_THAT(who.output, Catch::Contains("not recorded for rollback"));
    CHECK_THAT(who.output, Catch::Contains("exec: 6 hosts: 5 exit 0, 0 failed, 1 unreachable"));

    // different answers: each once, with its host, in inventory order
    const auto names = lab.fleetmend_plain({"exec", "-i", lab.inventory(), "--limit", "!" + hosts[5], "--", "hostname"});
    INFO(describe(names));
    CHECK(names.exit_code == 0);
    std::size_t last = 0;
    for (std::size_t i = 0; i + 1 < hosts.size(); ++i) {
        INFO(hosts[i]);
        const auto at = names.output.find("---- 1 host, exit 0: " + hosts[i] + "\n" + rollout_lab::short_name(hosts[i]) + "\n");
        CHECK(at != std::string::npos);
        CHECK(at >= last);
        last = at;
    }
    CHECK_THAT(names.output, Catch::Contains("exec: 5 hosts: 5 exit 0"));

    // a range in --limit, as the inventory writes it, and the netsh answers shown
    const auto show = lab.fleetmend_plain({"exec", "-i", lab.inventory(), "--limit", "win[001:003].lab.example", "--",
                                           "netsh", "interface", "teredo", "show", "state"});
    INFO(describe(show));
    CHECK(show.exit_code == 0);
    CHECK_THAT(show.output, Catch::Contains("exec: 3 hosts: 3 exit 0"));
    CHECK_THAT(show.output, Catch::Contains("Type                    : "));
    CHECK(lab.applies(hosts[0]) == 0u);  // a show changes nothing

    // a command the hosts do not know: exit 2, its stderr shown once for all
    const auto bad = lab.fleetmend_plain({"exec", "-i", lab.inventory(), "--limit", hosts[0] + "," + hosts[1] + "," + hosts[2], "--", "nosuchtool"});
    INFO(describe(bad));
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Catch::Contains("---- 3 hosts, exit 1: " + hosts[0] + ", " + hosts[1] + ", " + hosts[2]));
    CHECK_THAT(bad.output, Catch::Contains("'nosuchtool' is not recognized"));
}

TEST_CASE("exec --json prints one object per host and --report-dir writes a report", "[rollout][exec][integration]") {
    rollout_lab lab("exec-json", {.hosts = 3, .octet = 72});
    const auto report_dir = lab.dir() / "exec-reports";
    const auto run = lab.fleetmend_plain({"exec", "-i", lab.inventory(), "--limit", "all", "--json", "--report-dir",
                                          report_dir.string(), "--", "hostname"});
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    const auto lines = json_lines(run.output);
    std::map<std::string, nlohmann::json> per_host;
    std::string report_path;
    for (const auto& line : lines) {
        if (line.value("event", "") == "exec_host") per_host[line.value("host", "")] = line;
        if (line.value("event", "") == "files") report_path = line.value("report", "");
    }
    REQUIRE(per_host.size() == 3);
    for (const auto& host : lab.hosts()) {
        INFO(host);
        CHECK(per_host[host]["exit_code"] == 0);
        CHECK(per_host[host]["stdout"] == rollout_lab::short_name(host) + "\r\n");
        CHECK(per_host[host]["status"] == "changed");
    }
    REQUIRE_FALSE(report_path.empty());
    std::ifstream in(report_path);
    const auto report = nlohmann::json::parse(in, nullptr, false);
    REQUIRE(report.is_object());
    CHECK(schema_problems(report) == std::vector<std::string>{});
    CHECK(report["playbook"]["path"] == "exec: hostname");
    CHECK(report["summary"]["changed"] == 3);
    // journal-free: nothing but the report in its folder
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(report_dir)) {
        ++files;
        CHECK(entry.path().extension() == ".json");
    }
    CHECK(files == 1);
}
