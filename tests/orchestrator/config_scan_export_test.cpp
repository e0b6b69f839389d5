// Scan exports as targets: Nessus v2 XML (streamed, no DOCTYPE/entities),
// Nessus and Qualys CSV (quoting, BOM, preambles), the --limit syntax, and
// matching scan hosts to inventory hosts by name, FQDN or address.
#include "config_test_support.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/scan_export.hpp"
#include "orchestrator/engine/run_targets.hpp"
#include "orchestrator/engine/scan_targets.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace fleetmend;
using fleetmend::test::temp_folder;

namespace {

const std::string exports = std::string(FLEETMEND_SOURCE_DIR) + "/tests/orchestrator/scan_exports/";

std::vector<std::string> names(const scan_export& e) {
    std::vector<std::string> out;
    for (const auto& h : e.hosts) out.push_back(h.name);
    return out;
}

std::vector<std::string> ids(const scan_host& h) {
    std::vector<std::string> out;
    for (const auto& f : h.findings) out.push_back(f.id);
    return out;
}

constexpr const char* lab_inventory = R"(
[groups.windows]
hosts = ["win[001:003].lab.example"]
[hosts."win001.lab.example"]
address = "127.70.0.1"
[hosts."win002.lab.example"]
address = "127.70.0.2"
[hosts."win003.lab.example"]
address = "127.70.0.3"
[hosts."relay.lab.example"]
address = "127.70.0.9"
)";

}  // namespace

TEST_CASE("a Nessus v2 export gives its hosts, their ip and fqdn tags and plugin ids", "[config][scan]") {
    auto e = read_nessus_file(exports + "teredo-sweep.nessus", {});
    REQUIRE(e.has_value());
    CHECK(names(*e) == std::vector<std::string>{"win001.lab.example", "127.70.0.2", "127.70.0.3", "192.0.2.99"});
    CHECK(e->hosts[0].ip == "127.70.0.1");
    CHECK(e->hosts[0].fqdn == "win001.lab.example");
    CHECK(ids(e->hosts[0]) == std::vector<std::string>{"19506", "900001"});
    CHECK(e->hosts[0].findings[1].name == "Teredo Server Detection");
    CHECK(e->hosts[1].fqdn == "WIN002.LAB.EXAMPLE.");
}

TEST_CASE("plugin ids keep only the hosts with those findings, and only those findings", "[config][scan]") {
    auto e = read_nessus_file(exports + "teredo-sweep.nessus", {"900001"});
    REQUIRE(e.has_value());
    CHECK(names(*e) == std::vector<std::string>{"win001.lab.example", "127.70.0.2", "192.0.2.99"});
    CHECK(ids(e->hosts[1]) == std::vector<std::string>{"900001"});
    CHECK(e->hosts[1].findings_total == 2);
}

TEST_CASE("a Nessus export with a DOCTYPE is refused: no entity is expanded, no file is read", "[config][scan][hardening]") {
    auto e = read_nessus_file(exports + "hostile-entities.nessus", {});
    REQUIRE_FALSE(e.has_value());
    CHECK_THAT(e.error(), Catch::Contains("DOCTYPE is refused"));
    CHECK_THAT(e.error(), Catch::Contains("hostile-entities.nessus:2:"));
    CHECK_THAT(e.error(), !Catch::Contains("root:"));  // /etc/passwd never read
}

TEST_CASE("a file that is not a Nessus v2 export, or broken XML, says so with line and column", "[config][scan]") {
    auto other = parse_nessus("<?xml version=\"1.0\"?><NessusClientData><x/></NessusClientData>", "old.nessus", {});
    REQUIRE_FALSE(other.has_value());
    CHECK_THAT(other.error(), Catch::Contains("root element is <NessusClientData>"));
    auto broken = parse_nessus("<NessusClientData_v2>\n<Report><ReportHost name=\"a\"></Report>", "cut.nessus", {});
    REQUIRE_FALSE(broken.has_value());
    CHECK_THAT(broken.error(), Catch::StartsWith("cut.nessus:2:"));
    CHECK_FALSE(parse_nessus("", "empty.nessus", {}).has_value());
}

TEST_CASE("a huge export keeps only what is bounded", "[config][scan]") {
    // 600 hosts of 50 findings each, a plugin output per finding:
    // what is kept is names and ids, at most max_findings_per_host of them.
    std::string xml = "<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"big\">\n";
    const std::string output(200, 'x');
    for (int h = 0; h < 600; ++h) {
        xml += "<ReportHost name=\"host" + std::to_string(h) + ".example\"><HostProperties><tag name=\"host-ip\">" +
               std::string(5000, '1') + "</tag></HostProperties>\n";
        for (int f = 0; f < 50; ++f)
            xml += "<ReportItem pluginID=\"" + std::to_string(f) + "\" pluginName=\"finding\"><plugin_output>" + output +
                   "</plugin_output></ReportItem>\n";
        xml += "</ReportHost>\n";
    }
    xml += "</Report></NessusClientData_v2>\n";
    scan_limits limits;
    limits.max_findings_per_host = 8;
    auto e = parse_nessus(xml, "big.nessus", {}, limits);
    REQUIRE(e.has_value());
    REQUIRE(e->hosts.size() == 600);
    CHECK(e->hosts[7].findings.size() == 8);
    CHECK(e->hosts[7].findings_total == 50);
    CHECK(e->hosts[7].ip.size() == limits.max_text_bytes);
    limits.max_hosts = 100;
    auto too_many = parse_nessus(xml, "big.nessus", {}, limits);
    REQUIRE_FALSE(too_many.has_value());
    CHECK_THAT(too_many.error(), Catch::Contains("more than 100 hosts"));
}

TEST_CASE("a Nessus CSV export: BOM, CRLF, quoted fields with commas, quotes and line breaks", "[config][scan]") {
    auto e = read_scan_csv_file(exports + "teredo-sweep.csv", {});
    REQUIRE(e.has_value());
    CHECK(names(*e) == std::vector<std::string>{"win001.lab.example", "127.70.0.3", "127.70.0.2", "192.0.2.99"});
    CHECK(ids(e->hosts[0]) == std::vector<std::string>{"900001"});
    CHECK(e->hosts[0].findings[0].name == "Teredo Server Detection");
    auto teredo = read_scan_csv_file(exports + "teredo-sweep.csv", {"900001"});
    REQUIRE(teredo.has_value());
    CHECK(names(*teredo) == std::vector<std::string>{"win001.lab.example", "127.70.0.2", "192.0.2.99"});
}

TEST_CASE("a Qualys CSV export: the report preamble is skipped, IP, DNS and NetBIOS are read", "[config][scan]") {
    auto e = read_scan_csv_file(exports + "qualys-scan.csv", {"900002"});
    REQUIRE(e.has_value());
    REQUIRE(e->hosts.size() == 2);
    CHECK(e->hosts[0].ip == "127.70.0.1");
    CHECK(e->hosts[0].fqdn == "win001.lab.example");
    CHECK(e->hosts[0].name == "WIN001");
    CHECK(ids(e->hosts[0]) == std::vector<std::string>{"900002"});
    CHECK(e->hosts[1].ip == "127.70.0.2");
}

TEST_CASE("a CSV without a host column, or with an unterminated quote, is an error naming the file", "[config][scan]") {
    auto no_host = parse_scan_csv("\"Plugin ID\",\"Name\"\n1,x\n", "plugins.csv", {});
    REQUIRE_FALSE(no_host.has_value());
    CHECK_THAT(no_host.error(), Catch::Contains("plugins.csv: no header row with a host column"));
    scan_limits limits;
    limits.max_csv_field_bytes = 1024;
    auto endless = parse_scan_csv("Host,Name\nwin1,\"" + std::string(4096, 'a'), "endless.csv", {}, limits);
    REQUIRE_FALSE(endless.has_value());
    CHECK_THAT(endless.error(), Catch::Contains("endless.csv"));
}

TEST_CASE("scan limits: a limit of @FILE.nessus with plugin ids or @FILE.csv is a scan limit, @REPORT:STATUS is not", "[config][scan]") {
    auto plain = parse_scan_limit("@scans/sweep.nessus");
    REQUIRE(plain.has_value());
    REQUIRE(plain->has_value());
    CHECK((*plain)->path == "scans/sweep.nessus");
    CHECK((*plain)->wanted.empty());
    auto with_ids = parse_scan_limit("@C:/scans/Sweep.NESSUS:900001,57608");
    REQUIRE(with_ids.has_value());
    REQUIRE(with_ids->has_value());
    CHECK((*with_ids)->path == "C:/scans/Sweep.NESSUS");
    CHECK((*with_ids)->wanted == std::set<std::string>{"900001", "57608"});
    auto csv = parse_scan_limit("@q.csv");
    REQUIRE(csv.has_value());
    CHECK(csv->has_value());
    auto report = parse_scan_limit("@reports/x.json:failed");
    REQUIRE(report.has_value());
    CHECK_FALSE(report->has_value());
    auto bad = parse_scan_limit("@s.nessus:abc");
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error(), Catch::Contains("'abc' is not a finding id"));
    CHECK_FALSE(parse_scan_limit("@s.nessus:").has_value());
}

TEST_CASE("scan hosts match inventory hosts by name, FQDN or address, the rest are listed", "[config][scan]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", lab_inventory));
    REQUIRE(inv.has_value());
    scan_source scan;
    auto targets = select_targets(*inv, "windows", "@" + exports + "teredo-sweep.nessus:900001", std::nullopt, &scan);
    REQUIRE(targets.has_value());
    std::vector<std::string> picked;
    for (const auto* h : *targets) picked.push_back(h->name);
    // win001 by name, win002 by address (and by its rooted upper-case FQDN)
    CHECK(picked == std::vector<std::string>{"win001.lab.example", "win002.lab.example"});
    CHECK(scan.scan_hosts == 3);
    REQUIRE(scan.unmatched.size() == 1);
    CHECK(scan.unmatched[0].name == "192.0.2.99");
    CHECK(scan.unmatched[0].fqdn == "printer.branch.example");
    CHECK_THAT(scan.unmatched[0].reason, Catch::Contains("no inventory host"));
    REQUIRE(scan.findings.count("win002.lab.example") == 1);
    CHECK(scan.findings["win002.lab.example"] == std::vector<scan_finding>{{"900001", "Teredo Server Detection"}});
    CHECK(scan.wanted == std::vector<std::string>{"900001"});
    CHECK(scan.sha256.size() == 64);
}

TEST_CASE("a scan host the playbook does not target is listed as not targeted, never selected", "[config][scan]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", lab_inventory));
    REQUIRE(inv.has_value());
    scan_source scan;
    auto targets = select_targets(*inv, "win001.lab.example", "@" + exports + "teredo-sweep.csv", std::nullopt, &scan);
    REQUIRE(targets.has_value());
    REQUIRE(targets->size() == 1);
    CHECK((*targets)[0]->name == "win001.lab.example");
    REQUIRE(scan.unmatched.size() == 3);
    CHECK_THAT(scan.unmatched[0].reason, Catch::Contains("win003.lab.example is not targeted"));
}

TEST_CASE("a scan export that cannot be read is an error naming it", "[config][scan]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", lab_inventory));
    REQUIRE(inv.has_value());
    auto missing = select_targets(*inv, "all", "@" + (dir.path() / "none.nessus").string());
    REQUIRE_FALSE(missing.has_value());
    CHECK_THAT(missing.error(), Catch::Contains("none.nessus: cannot open the scan export"));
}
