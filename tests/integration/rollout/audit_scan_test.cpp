// `fleetmend audit` as a CI gate and scan exports as targets, on the lab:
// the real binary, real WinRM with NTLM sealing, the report and JUnit it
// writes, and the lab's counters for who was contacted.
#include "rollout_support.hpp"
#include "tests/integration/support/child_process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace fleetmend::test;

namespace {

constexpr int exit_not_compliant = 2;  // README "fleetmend audit"
constexpr int exit_unreachable = 3;

std::string host_name(unsigned n) { return lab_host_name(n); }

/// The address the lab's inventory gives a host.
std::string address_of(const rollout_lab& lab, const std::string& host) {
    const std::string text = read_text(lab.inventory());
    const std::regex entry("\\[hosts\\.\"" + std::regex_replace(host, std::regex("\\."), "\\.") +
                           "\"\\]\\naddress = \"([0-9.]+)\"");
    std::smatch m;
    REQUIRE(std::regex_search(text, m, entry));
    return m[1];
}

int count_of(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

const std::string shipped = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";

}  // namespace

TEST_CASE("audit: 2 while a host drifts, 3 when only an unreachable one is left, 0 when all comply, nothing changes",
          "[rollout][audit][integration]") {
    rollout_lab lab("audit", {.hosts = 6, .octet = 80,
                              .types = "[types]\nclient = 1\n",
                              .faults = "[[fault]]\nkind = \"down\"\nhosts = [6]\n"});
    const auto types = initial_types({.hosts = 6, .types = "[types]\nclient = 1\n"});
    std::size_t drifting = 0;
    for (unsigned n = 1; n <= 5; ++n) drifting += types[n - 1] != "disabled" ? 1 : 0;
    REQUIRE(drifting > 0);
    const auto junit = (lab.dir() / "audit.xml").string();

    const auto before = lab.fleetmend("before", {"audit", "-i", lab.inventory(), shipped, "--junit", junit});
    INFO(describe(before));
    REQUIRE(before.report.is_object());
    CHECK(before.exit_code == exit_not_compliant);
    CHECK(before.report["mode"] == "audit");
    CHECK(schema_problems(before.report) == std::vector<std::string>{});
    CHECK(before.report["summary"]["would-change"] == static_cast<int>(drifting));
    CHECK(before.report["summary"]["unreachable"] == 1);
    CHECK(before.report["rollout"]["batches"].size() == 1);  // every host judged at once
    for (const auto& host : lab.hosts()) CHECK(lab.applies(host) == 0u);  // an audit never changes a host
    const std::string xml = read_text(junit);
    CHECK(count_of(xml, "<failure type=\"non-compliant\"") == static_cast<int>(drifting));
    CHECK(xml.find("failures=\"" + std::to_string(drifting) + "\"") != std::string::npos);
    CHECK(count_of(xml, "<error ") == 1);
    CHECK_THAT(before.output, Catch::Contains("audit: " + std::to_string(5 - drifting) + " of 6 hosts compliant"));

    const auto fix = lab.fleetmend("fix", {"run", "-i", lab.inventory(), shipped, "--yes", "--limit", "!" + host_name(6)});
    INFO(describe(fix));
    REQUIRE(fix.exit_code == 0);

    const auto unreachable_only = lab.fleetmend("after", {"audit", "-i", lab.inventory(), shipped});
    INFO(describe(unreachable_only));
    CHECK(unreachable_only.exit_code == exit_unreachable);
    const auto clean = lab.fleetmend("clean", {"audit", "-i", lab.inventory(), shipped, "--limit", "!" + host_name(6)});
    INFO(describe(clean));
    CHECK(clean.exit_code == 0);
    REQUIRE(clean.report.is_object());
    CHECK(clean.report["summary"]["unchanged"] == 5);
}

TEST_CASE("a scan limit @scan.nessus:ID runs on the hosts with that finding, lists the others, records closed findings",
          "[rollout][scan][integration]") {
    rollout_lab lab("scan", {.hosts = 6, .octet = 81, .types = "[types]\nclient = 1\n"});
    // Hosts 1 (by FQDN), 2 (by address) and 4 (by upper-case rooted FQDN)
    // have the Teredo finding; host 3 only another one; a printer matches
    // no inventory host.
    const std::string nessus = (lab.dir() / "sweep.nessus").string();
    std::ofstream(nessus) << "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Report name=\"sweep\">\n"
                          << "<ReportHost name=\"" << host_name(1) << "\"><HostProperties><tag name=\"host-ip\">"
                          << address_of(lab, host_name(1)) << "</tag></HostProperties>\n"
                          << "<ReportItem port=\"3544\" protocol=\"udp\" pluginID=\"900001\" pluginName=\"Teredo Server Detection\"/></ReportHost>\n"
                          << "<ReportHost name=\"" << address_of(lab, host_name(2)) << "\"><HostProperties/>\n"
                          << "<ReportItem pluginID=\"900001\" pluginName=\"Teredo Server Detection\"/></ReportHost>\n"
                          << "<ReportHost name=\"" << address_of(lab, host_name(3)) << "\"><HostProperties/>\n"
                          << "<ReportItem pluginID=\"57608\" pluginName=\"SMB Signing not required\"/></ReportHost>\n"
                          << "<ReportHost name=\"10.9.9.9\"><HostProperties><tag name=\"host-fqdn\">WIN004.LAB.EXAMPLE.</tag></HostProperties>\n"
                          << "<ReportItem pluginID=\"900001\" pluginName=\"Teredo Server Detection\"/></ReportHost>\n"
                          << "<ReportHost name=\"192.0.2.99\"><HostProperties><tag name=\"host-fqdn\">printer.branch.example</tag></HostProperties>\n"
                          << "<ReportItem pluginID=\"900001\" pluginName=\"Teredo Server Detection\"/></ReportHost>\n"
                          << "</Report>\n</NessusClientData_v2>\n";
    const std::set<std::string> wanted{host_name(1), host_name(2), host_name(4)};

    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), shipped, "--yes", "--limit", "@" + nessus + ":900001"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK_THAT(run.output, Catch::Contains("not matched: 192.0.2.99 (printer.branch.example)"));
    std::set<std::string> reached;
    for (const auto& h : run.report["hosts"]) {
        reached.insert(h["name"].get<std::string>());
        CHECK(h["findings"][0]["id"] == "900001");
        CHECK(h["findings_closed"] == true);
        CHECK(h["status"] == "changed");
    }
    CHECK(reached == wanted);
    for (const auto& host : lab.hosts()) {
        INFO(host);
        if (!wanted.count(host)) CHECK(lab.fleet().counters(host).connections == 0u);  // never contacted
    }
    const auto& scan = run.report["scan"];
    CHECK(scan["wanted"] == nlohmann::json::array({"900001"}));
    CHECK(scan["hosts_closed"] == 3);
    CHECK(scan["hosts_open"] == 0);
    REQUIRE(scan["unmatched"].size() == 1);
    CHECK(scan["unmatched"][0]["name"] == "192.0.2.99");

    // every rendering names the closed findings and the unmatched host
    const auto md = lab.fleetmend_plain({"report", lab.report_path("run").string(), "--format", "markdown"});
    CHECK_THAT(md.output, Catch::Contains("| Findings closed | on 3 of 3 targeted hosts"));
    CHECK_THAT(md.output, Catch::Contains("900001 Teredo Server Detection"));
    CHECK_THAT(md.output, Catch::Contains("192.0.2.99"));
    const auto junit = lab.fleetmend_plain({"report", lab.report_path("run").string(), "--format", "junit"});
    CHECK_THAT(junit.output, Catch::Contains("value=\"900001 Teredo Server Detection: closed\""));
}

TEST_CASE("the Teredo job end to end: scan export -> audit 2 -> run in a window under a ticket -> findings closed -> audit 0",
          "[rollout][scan][window][audit][integration]") {
    rollout_lab lab("job", {.hosts = 5, .octet = 89, .types = "[types]\nclient = 1\ndefault = 1\n"});
    // a Nessus CSV export as scanners write it: BOM, CRLF, quoted fields
    const std::string csv = (lab.dir() / "teredo.csv").string();
    {
        std::ofstream out(csv, std::ios::binary);
        out << "\xEF\xBB\xBF\"Plugin ID\",\"CVE\",\"Risk\",\"Host\",\"Protocol\",\"Port\",\"Name\",\"Plugin Output\"\r\n";
        for (unsigned n : {1u, 2u, 4u, 5u})
            out << "\"900001\",\"\",\"Medium\",\"" << address_of(lab, host_name(n))
                << "\",\"udp\",\"3544\",\"Teredo Server Detection\",\"answered a Router Solicitation, \"\"cone\"\"\"\r\n";
        out << "\"900001\",\"\",\"Medium\",\"192.0.2.77\",\"udp\",\"3544\",\"Teredo Server Detection\",\"\"\r\n";
    }
    const std::string limit = "@" + csv + ":900001";
    const std::set<std::string> found{host_name(1), host_name(2), host_name(4), host_name(5)};

    const auto before = lab.fleetmend("audit-before", {"audit", "-i", lab.inventory(), shipped, "--limit", limit});
    INFO(describe(before));
    CHECK(before.exit_code == exit_not_compliant);

    const auto now = std::chrono::system_clock::now();
    const auto hhmm = [](std::chrono::system_clock::time_point t) {
        const auto day = std::chrono::floor<std::chrono::days>(t);
        const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::minutes>(t - day)};
        char text[16];
        std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(time.hours().count()),
                      static_cast<int>(time.minutes().count()));
        return std::string(text);
    };
    const std::string window = hhmm(now - std::chrono::hours{1}) + "-" + hhmm(now + std::chrono::hours{2}) + " UTC";
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), shipped, "--yes", "--limit", limit, "--window",
                                           window, "--change-ticket", "CHG-2026-1203"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(run.report["scan"]["hosts_closed"] == 4);
    CHECK(run.report["scan"]["unmatched"][0]["name"] == "192.0.2.77");
    CHECK(run.report["approval"]["change_ticket"] == "CHG-2026-1203");
    CHECK(run.report["rollout"]["settings"]["window"] == window);
    std::set<std::string> closed;
    for (const auto& h : run.report["hosts"])
        if (h["findings_closed"] == true) closed.insert(h["name"].get<std::string>());
    CHECK(closed == found);
    CHECK(lab.fleet().counters(host_name(3)).connections == 0u);  // not in the scan: never contacted
    const auto html = lab.fleetmend_plain({"report", lab.report_path("run").string(), "--format", "html"});
    CHECK_THAT(html.output, Catch::Contains("900001 Teredo Server Detection: closed"));

    const auto after = lab.fleetmend("audit-after", {"audit", "-i", lab.inventory(), shipped, "--limit", limit});
    INFO(describe(after));
    CHECK(after.exit_code == 0);
}
