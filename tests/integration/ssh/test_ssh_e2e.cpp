// fleetmend run over SSH, end to end: the real binary, a real sshd serving
// simulated Windows hosts, playbooks/teredo-disable.toml.
#include "tests/integration/support/child_process.hpp"
#include "tests/integration/support/fleetmend_process.hpp"
#include "tests/integration/support/sshd_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
const char* const initial_types[] = {"client", "default", "enterpriseclient", "natawareclient", "server"};

std::string host_name(std::size_t i) {
    const std::string n = std::to_string(i + 1);
    return "win" + std::string(n.size() < 2 ? 1 : 0, '0') + n;
}

/// One [hosts."..."] table; `extra` holds further TOML lines for that host.
std::string host_table(const std::string& name, const std::string& address, std::uint16_t port,
                       const std::string& extra = "") {
    return "[hosts.\"" + name + "\"]\naddress = \"" + address + "\"\nport = " + std::to_string(port) + "\n" +
           extra + "\n";
}

std::string inventory_header(const sshd_fixture& sshd, const fs::path& known_hosts) {
    return "[defaults]\n"
           "transport = \"ssh\"\n"
           "user = \"" + sshd.key_user() + "\"\n"
           "connect_timeout = \"5s\"\n"
           "command_timeout = \"30s\"\n\n"
           "[defaults.ssh]\n"
           "identity_file = \"" + sshd.user_key().string() + "\"\n"
           "known_hosts = \"" + known_hosts.string() + "\"\n"
           "host_key_policy = \"strict\"\n\n";
}

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p);
    out << text;
}

std::size_t set_state_calls(const sshd_fixture& sshd, const std::string& address) {
    std::size_t n = 0;
    for (const auto& call : sshd.netsh_calls(address)) n += call.find("set state") != std::string::npos;
    return n;
}

std::string describe(const fleetmend_run& run) {
    return "exit " + std::to_string(run.exit_code) + " after " + std::to_string(run.took.count()) +
           " ms; output:\n" + run.output;
}

/// Processes running this fixture's netsh stand-in right now (any host).
std::size_t standins_running(const sshd_fixture& sshd) {
    const std::string script = (sshd.dir() / "bin" / "netsh").string();
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        n += cmdline.find(script) != std::string::npos;
    }
    return n;
}

bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

}  // namespace

TEST_CASE("20 Windows hosts over SSH: disabled and reported changed, then unchanged with no apply",
          "[e2e][integration][ssh]") {
    sshd_fixture sshd({.hosts = 20, .first_host = 1});
    std::string inventory = inventory_header(sshd, sshd.known_hosts());
    std::map<std::string, std::string> before;
    for (std::size_t i = 0; i < 20; ++i) {
        const auto& address = sshd.addresses()[i];
        sshd.set_teredo_type(address, initial_types[i % 5]);
        before[host_name(i)] = initial_types[i % 5];
        inventory += host_table(host_name(i), address, sshd.port());
    }
    const fs::path inv = sshd.dir() / "inventory.toml";
    write_text(inv, inventory);

    const auto first = run_fleetmend({"run", "-i", inv.string(), playbook, "--yes"}, sshd.dir() / "run1", 120s);
    INFO(describe(first));
    REQUIRE(first.report.is_object());
    CHECK(first.exit_code == 0);
    for (std::size_t i = 0; i < 20; ++i) {
        const auto& h = report_host(first.report, host_name(i));
        INFO(host_name(i) << ": " << h.dump());
        CHECK(h.value("status", "") == "changed");
        CHECK(h["facts_before"].dump().find(before[host_name(i)]) != std::string::npos);
        CHECK(sshd.teredo_type(sshd.addresses()[i]) == "disabled");
        CHECK(set_state_calls(sshd, sshd.addresses()[i]) == 1);
    }
    std::cout << "ssh e2e: first run over 20 hosts took " << first.took.count() << " ms\n";

    const auto second = run_fleetmend({"run", "-i", inv.string(), playbook, "--yes"}, sshd.dir() / "run2", 120s);
    INFO(describe(second));
    REQUIRE(second.report.is_object());
    CHECK(second.exit_code == 0);
    for (std::size_t i = 0; i < 20; ++i) {
        const auto& h = report_host(second.report, host_name(i));
        INFO(host_name(i) << ": " << h.dump());
        CHECK(h.value("status", "") == "unchanged");
        CHECK(set_state_calls(sshd, sshd.addresses()[i]) == 1);  // still only the first run's
        CHECK(sshd.teredo_type(sshd.addresses()[i]) == "disabled");
    }
    std::cout << "ssh e2e: second run over 20 hosts took " << second.took.count() << " ms\n";
}

TEST_CASE("hosts that fail (host key, password, closed port, hanging netsh) fail alone", "[e2e][integration][ssh]") {
    sshd_fixture sshd({.hosts = 23, .first_host = 1});
    const auto& a = sshd.addresses();
    // win21: its known_hosts entry holds another key; the rest are right.
    std::string kh;
    for (std::size_t i = 0; i < a.size(); ++i) kh += sshd.known_hosts_line(a[i], /*wrong_key=*/i == 20) + "\n";
    const fs::path known_hosts = sshd.dir() / "known_hosts.e2e";
    write_text(known_hosts, kh);

    std::string inventory = inventory_header(sshd, known_hosts);
    for (std::size_t i = 0; i < 20; ++i) {
        sshd.set_teredo_type(a[i], initial_types[i % 5]);
        inventory += host_table(host_name(i), a[i], sshd.port());
    }
    sshd.set_teredo_type(a[20], "client");
    inventory += host_table("bad-hostkey", a[20], sshd.port());
    sshd.set_teredo_type(a[21], "client");
    ::setenv("FLEETMEND_E2E_PASSWORD", "not-the-password", 1);
    inventory += host_table("bad-password", a[21], sshd.port(),
                            "user = \"" + sshd.password_user() +
                                "\"\npassword = { env = \"FLEETMEND_E2E_PASSWORD\" }\n");
    // Nothing listens on 127.0.2.1: the kernel refuses at once.
    inventory += host_table("closed-port", "127.0.2.1", sshd.port());
    sshd.set_teredo_type(a[22], "client");
    sshd.set_flag(a[22], "hang");
    inventory += host_table("hanging", a[22], sshd.port(), "command_timeout = \"3s\"\n");
    const fs::path inv = sshd.dir() / "inventory.toml";
    write_text(inv, inventory);

    // One batch and no threshold: this test is about failures staying with their host.
    const auto run = run_fleetmend({"run", "-i", inv.string(), playbook, "--yes", "--batches", "100%",
                                    "--max-fail-percentage", "100"},
                                   sshd.dir() / "run", 120s);
    sshd.set_flag(a[22], "hang", false);
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code != 0);
    CHECK(run.exit_code != 64);
    CHECK(run.exit_code != 70);
    std::cout << "ssh e2e: 24-host run with 4 failing hosts took " << run.took.count() << " ms\n";

    for (std::size_t i = 0; i < 20; ++i) {
        const auto& h = report_host(run.report, host_name(i));
        INFO(h.dump());
        CHECK(h.value("status", "") == "changed");
        CHECK(sshd.teredo_type(a[i]) == "disabled");
    }
    const auto expect_failure = [&](const std::string& name, const std::string& kind, const std::string& words) {
        const auto& h = report_host(run.report, name);
        INFO(name << ": " << h.dump());
        REQUIRE(h.is_object());
        std::cout << "ssh e2e: " << name << " -> " << h.value("status", "") << " / " << h.value("error_kind", "")
                  << ": " << h.value("error", "") << "\n";
        CHECK(h.value("error_kind", "") == kind);
        const std::string status = h.value("status", "");
        CHECK((status == "failed" || status == "unreachable"));
        CHECK(h.value("error", "").find(words) != std::string::npos);
    };
    expect_failure("bad-hostkey", "host_key", "CHANGED");
    expect_failure("bad-password", "auth", "password");
    expect_failure("closed-port", "unreachable", "127.0.2.1");
    CHECK(report_host(run.report, "closed-port").value("status", "") == "unreachable");
    expect_failure("hanging", "timeout", "timeout");
    CHECK(run.output.find("not-the-password") == std::string::npos);

    // Hosts that failed were not changed.
    CHECK(sshd.teredo_type(a[20]) == "client");
    CHECK(sshd.teredo_type(a[21]) == "client");
    CHECK(sshd.teredo_type(a[22]) == "client");
    CHECK(set_state_calls(sshd, a[20]) == 0);
}

TEST_CASE("a second SIGINT with SSH commands in flight ends them on the hosts and still writes the report",
          "[e2e][integration][ssh]") {
    sshd_fixture sshd({.hosts = 3, .first_host = 90});
    std::string inventory = inventory_header(sshd, sshd.known_hosts());
    for (std::size_t i = 0; i < 3; ++i) {
        sshd.set_flag(sshd.addresses()[i], "hang");  // netsh blocks until the flag goes
        inventory += host_table(host_name(i), sshd.addresses()[i], sshd.port());
    }
    const fs::path inv = sshd.dir() / "inventory.toml";
    write_text(inv, inventory);
    const fs::path reports = sshd.dir() / "reports";
    child_process run({"run", "-i", inv.string(), playbook, "--yes", "--batches", "100%", "--concurrency", "3",
                       "--report-dir", reports.string()},
                      sshd.dir() / "run.out");
    REQUIRE(eventually([&] { return run.poll() || standins_running(sshd) >= 3; }, 60s));
    INFO(read_text(sshd.dir() / "run.out"));
    REQUIRE_FALSE(run.poll());
    run.send(SIGINT);
    REQUIRE(eventually([&] { return read_text(sshd.dir() / "run.out").find("stopping: no new host starts") !=
                                    std::string::npos; }, 20s));
    run.send(SIGINT);
    const int status = run.wait(60s);
    const std::string output = read_text(sshd.dir() / "run.out");
    INFO(output);
    CHECK(status == 5);
    CHECK_THAT(output, Catch::Contains("3 steps in flight were stopped on the hosts"));
    // sshd delivered the TERM to each command: no stand-in is left hanging
    // although its hang flag is still there.
    CHECK(eventually([&] { return standins_running(sshd) == 0; }, 20s));
    std::ifstream report_file;
    for (const auto& entry : fs::directory_iterator(reports))
        if (entry.path().extension() == ".json") report_file.open(entry.path());
    REQUIRE(report_file.is_open());
    const auto report = nlohmann::json::parse(report_file);
    CHECK(report["interrupted"] == true);
    CHECK(report["summary"]["unfinished"] == 3);
    for (const auto& a : sshd.addresses()) sshd.set_flag(a, "hang", false);
}
