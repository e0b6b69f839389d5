// fleetmend run against a fleet reachable only through SSH jump hosts: the
// real binary on a workstation namespace, a real OpenSSH bastion with its
// default MaxStartups, SSH and WinRM hosts (HTTP with NTLM sealing, HTTPS)
// behind it, one and two hops. Logins are counted in the jump hosts' logs.
#include "bastion_fleet.hpp"
#include "tests/integration/support/child_process.hpp"
#include "tests/integration/support/fleetmend_process.hpp"

#include <catch2/catch.hpp>

#include <iostream>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
// The fleet's own test account (made for this run) logs in on every hop.
std::string bastion_hop(const bastion_fleet& fleet) { return fleet.ssh_hosts->key_user() + "@192.0.2.1"; }
std::string two_hops(const bastion_fleet& fleet) {
    return bastion_hop(fleet) + "," + fleet.ssh_hosts->key_user() + "@198.51.100.2";
}

std::string describe(const fleetmend_run& run) {
    return "exit " + std::to_string(run.exit_code) + " after " + std::to_string(run.took.count()) +
           " ms; output:\n" + run.output;
}

/// fleetmend run from the workstation namespace.
fleetmend_run run_from_workstation(const bastion_fleet& fleet, const fs::path& inventory, const std::string& name,
                                   const std::string& batches) {
    fleetmend_run run;
    segmented_network::run_in(fleet.net.workstation_ns(), [&] {
        run = run_fleetmend({"run", "-i", inventory.string(), playbook, "--yes", "--batches", batches,
                             "--max-fail-percentage", "100", "--concurrency", "8"},
                            fleet.net.dir() / name, 240s);
    });
    return run;
}

std::vector<std::string> every_host(const bastion_fleet& fleet) {
    std::vector<std::string> names{"lin1", "lin2", "lin-deep"};
    names.insert(names.end(), fleet.near_windows.begin(), fleet.near_windows.end());
    names.insert(names.end(), fleet.deep_windows.begin(), fleet.deep_windows.end());
    return names;
}

/// The run went through: every far host changed and is disabled now.
void check_every_host_changed(const bastion_fleet& fleet, const fleetmend_run& run) {
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    for (const auto& name : every_host(fleet)) {
        const auto& h = report_host(run.report, name);
        INFO(name << ": " << h.dump());
        CHECK(h.value("status", "") == "changed");
    }
    CHECK(fleet.hosts_not_disabled().empty());
}

#define SKIP_WITHOUT_NAMESPACES()                                                   \
    if (const auto reason = segmented_network_unavailable_reason(); !reason.empty()) { \
        WARN("SKIPPED: " << reason);                                                \
        return;                                                                     \
    }

}  // namespace

TEST_CASE("far hosts are unreachable directly and remediated through one bastion login over SSH and WinRM",
          "[bastion][integration]") {
    SKIP_WITHOUT_NAMESPACES();
    bastion_fleet fleet;
    const auto& ws = fleet.net.workstation_ns();
    const auto* http_host = fleet.windows->find(fleet.near_windows[0]);
    const auto* https_host = fleet.windows->find(fleet.near_windows[1]);
    REQUIRE(http_host->scheme == fleetmend::lab::lab_scheme::http);
    REQUIRE(https_host->scheme == fleetmend::lab::lab_scheme::https);

    // No way around the bastion: the workstation cannot open TCP to any far host.
    std::string why;
    CHECK_FALSE(segmented_network::tcp_reaches(ws, fleet.near_ssh[0], fleet.ssh_hosts->port(), why));
    INFO("direct connect: " << why);
    CHECK_FALSE(segmented_network::tcp_reaches(ws, http_host->address, 5985, why));
    CHECK_FALSE(segmented_network::tcp_reaches(ws, https_host->address, 5986, why));
    CHECK_FALSE(segmented_network::tcp_reaches(ws, segmented_network::far_address, 22, why));
    // The bastion reaches the near half only; the deep half needs the second hop.
    CHECK(segmented_network::tcp_reaches(fleet.net.bastion_ns(), fleet.near_ssh[0], fleet.ssh_hosts->port(), why));
    CHECK_FALSE(segmented_network::tcp_reaches(fleet.net.bastion_ns(), fleet.deep_ssh, fleet.ssh_hosts->port(), why));

    const auto inventory = fleet.write_inventory("inventory.toml", bastion_hop(fleet), two_hops(fleet), fleet.write_known_hosts());
    const auto run = run_from_workstation(fleet, inventory, "run", "1,50%,100%");
    check_every_host_changed(fleet, run);
    // Over WinRM the lab saw sealed NTLM and TLS sessions of its own: end to end.
    CHECK(fleet.windows->counters(http_host->name).authentications >= 1);
    CHECK(fleet.windows->counters(https_host->name).authentications >= 1);

    // 9 hosts in three batches, through one and two hops: one login on each jump host.
    INFO("bastion log:\n" << fleet.bastion->log_text());
    CHECK(fleet.bastion->accepted_logins() == 1);
    CHECK(fleet.inner->accepted_logins() == 1);
    std::cout << "bastion e2e: 9 hosts through 1 and 2 hops in " << run.took.count() << " ms, bastion logins "
              << fleet.bastion->accepted_logins() << ", inner logins " << fleet.inner->accepted_logins() << "\n";
}

TEST_CASE("a bastion with another host key or down fails its hosts naming the bastion and nothing reaches them",
          "[bastion][integration]") {
    SKIP_WITHOUT_NAMESPACES();
    bastion_fleet fleet;

    SECTION("another host key") {
        const auto inventory =
            fleet.write_inventory("inventory.toml", bastion_hop(fleet), two_hops(fleet), fleet.write_known_hosts(true));
        const auto run = run_from_workstation(fleet, inventory, "run-wrong-key", "100%");
        INFO(describe(run));
        REQUIRE(run.report.is_object());
        CHECK(run.exit_code != 0);
        for (const auto& name : every_host(fleet)) {
            const auto& h = report_host(run.report, name);
            INFO(name << ": " << h.dump());
            const std::string status = h.value("status", "");
            CHECK((status == "failed" || status == "unreachable"));
            CHECK(h.value("error_kind", "") == "host_key");
            const std::string error = h.value("error", "");
            CHECK(error.find("jump host " + bastion_hop(fleet) + ":22 failed") != std::string::npos);
            CHECK(error.find("HOST KEY OF 192.0.2.1 HAS CHANGED") != std::string::npos);
            CHECK(error.find("203.0.113.") == std::string::npos);  // the target is not the cause
        }
        CHECK(fleet.bastion->accepted_logins() == 0);
    }
    SECTION("down") {
        fleet.bastion->stop();
        const auto inventory = fleet.write_inventory("inventory.toml", bastion_hop(fleet), two_hops(fleet), fleet.write_known_hosts());
        const auto run = run_from_workstation(fleet, inventory, "run-down", "100%");
        INFO(describe(run));
        REQUIRE(run.report.is_object());
        CHECK(run.exit_code != 0);
        for (const auto& name : every_host(fleet)) {
            const auto& h = report_host(run.report, name);
            INFO(name << ": " << h.dump());
            CHECK(h.value("status", "") == "unreachable");
            CHECK(h.value("error_kind", "") == "unreachable");
            const std::string error = h.value("error", "");
            CHECK(error.find("jump host " + bastion_hop(fleet) + ":22 failed") != std::string::npos);
            CHECK(error.find("cannot connect to 192.0.2.1:22") != std::string::npos);
            CHECK(error.find("203.0.113.") == std::string::npos);
        }
    }
    CHECK(fleet.far_side_untouched());
    CHECK(fleet.hosts_not_disabled().size() == 9);
}

TEST_CASE("an ssh config file with ProxyJump reaches the same fleet and fleetmend inventory shows where from",
          "[bastion][integration]") {
    SKIP_WITHOUT_NAMESPACES();
    bastion_fleet fleet;
    const auto inventory = fleet.write_ssh_config_inventory(fleet.write_known_hosts());
    const auto config = (fleet.net.dir() / "ssh_config").string();

    finished_child shown;
    segmented_network::run_in(fleet.net.workstation_ns(), [&] {
        shown = run_to_end({"inventory", "-i", inventory.string()}, fleet.net.dir() / "inventory.out", 60s);
    });
    INFO(shown.output);
    REQUIRE(shown.status == 0);
    CHECK(shown.output.find("lin1  ssh 203.0.113.10:" + std::to_string(fleet.ssh_hosts->port())) != std::string::npos);
    CHECK(shown.output.find("jump=" + bastion_hop(fleet) + ":22," + fleet.ssh_hosts->key_user() + "@198.51.100.2:22") != std::string::npos);
    CHECK(shown.output.find("ssh_config=address<-" + config + ":7,jump<-" + config + ":14") != std::string::npos);

    const auto run = run_from_workstation(fleet, inventory, "run", "1,100%");
    check_every_host_changed(fleet, run);
    CHECK(fleet.bastion->accepted_logins() == 1);
    CHECK(fleet.inner->accepted_logins() == 1);
}
