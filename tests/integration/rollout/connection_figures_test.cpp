// The report counts what reaching each host took, from the engine's own
// transports: one connection, one logon and one shell on a healthy WinRM
// host; a second shell where the WinRM service lost the first one, or where
// the operations quota ran out. The lab counts the same on its side.
#include "rollout_support.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend::test;

namespace {

nlohmann::json connection_of(const nlohmann::json& report, const std::string& host) {
    return report_host(report, host).value("connection", nlohmann::json());
}

}  // namespace

TEST_CASE("the report counts each host's connections, logons and shells, and names the hosts that lost a shell",
          "[rollout][winrm][integration]") {
    // Host 2's shell is gone before its second command (the apply); host 3
    // may run two commands per shell. Every host has Teredo on.
    rollout_lab lab("figures", {.hosts = 3, .octet = 91, .types = "[types]\nclient = 1\n",
                                .faults = "[[fault]]\nkind = \"shell-lost\"\nhosts = [2]\nat_command = 2\n"
                                          "[[fault]]\nkind = \"operations-quota\"\nhosts = [3]\nlimit = 2\n"});
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml", "--yes"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});

    for (unsigned n = 1; n <= 3; ++n) {
        const auto host = lab_host_name(n);
        const auto figures = connection_of(run.report, host);
        const auto lab_side = lab.fleet().counters(host);
        INFO(host << ": report " << figures.dump() << ", lab: " << lab_side.connections << " connections, "
                  << lab_side.shells << " shells, " << lab_side.commands << " commands");
        CHECK(status_of(run.report, host) == "changed");
        CHECK(lab.type_now(host) == "disabled");
        REQUIRE(figures.is_object());
        CHECK(figures["connections"] == 1);
        CHECK(figures["authentications"] == 1);
        CHECK(figures["connections"] == lab_side.connections);
        CHECK(figures["shells"] == lab_side.shells);
        CHECK(lab_side.open_shells == 0u);  // every shell deleted
        CHECK(lab.applies(host) == 1u);     // a lost shell never runs the change twice
    }
    CHECK(connection_of(run.report, lab_host_name(1))["shells"] == 1);
    CHECK(connection_of(run.report, lab_host_name(2))["shells"] == 2);
    CHECK(connection_of(run.report, lab_host_name(3))["shells"] > 1);

    const auto recap = lab.fleetmend_plain({"report", lab.report_path("run").string()});
    INFO(recap.output);
    CHECK_THAT(recap.output, Catch::Contains("3 connections, 3 logons"));
    CHECK_THAT(recap.output, Catch::Contains("a lost shell was replaced on " + lab_host_name(2) + ", " +
                                             lab_host_name(3)));
}
