// The lab's SSH endpoints (Windows OpenSSH with cmd as its shell) through
// fleetmend's libssh transport, with the known_hosts and inventory the lab writes.
#include "orchestrator/config/inventory.hpp"
#include "transports/lab/lab.hpp"
#include "transports/ssh/ssh_transport.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace fleetmend;

namespace {

constexpr const char* ssh_scenario = R"toml(
name = "ssh"
hosts = 3
name_pattern = "ssh{n:02}.lab.example"
password = "Ssh-Lab-Passw0rd!"
[[group]]
name = "lab-ssh"
transport = "ssh"
[types]
enterpriseclient = 1
[[fault]]
kind = "not-elevated"
hosts = [2]
[[fault]]
kind = "wrong-password"
hosts = [3]
)toml";

std::unique_ptr<lab::lab_fleet> start_ssh_lab() {
    lab::lab_options options;
    options.scenario_text = ssh_scenario;
    options.address_base = "127.223." + std::to_string(::getpid() % 250 + 1) + ".1";
    auto lab = lab::lab_fleet::start(options);
    if (!lab) FAIL("lab did not start: " << lab.error());
    return std::move(*lab);
}

/// Settings as fleetmend resolves them from the lab's own inventory.
connection_settings settings_from_inventory(const lab::lab_fleet& fleet, const std::string& host) {
    auto loaded = load_inventory(fleet.inventory_path());
    if (!loaded) FAIL(loaded.error().to_string());
    const host_entry* entry = loaded->find(host);
    REQUIRE(entry);
    std::vector<host_entry*> one{const_cast<host_entry*>(entry)};
    REQUIRE(resolve_secrets(one).has_value());
    return entry->connection;
}

deadline soon() { return clock_type::now() + std::chrono::seconds(20); }

}  // namespace

TEST_CASE("fleetmend's SSH transport runs the Teredo steps on a lab host", "[lab][integration]") {
    auto fleet = start_ssh_lab();
    const std::string host = "ssh01.lab.example";
    const auto settings = settings_from_inventory(*fleet, host);
    CHECK(settings.kind == transport_kind::ssh);
    CHECK(settings.port == 2222);
    ssh_transport t(settings);
    auto connected = t.connect(soon());
    if (!connected) FAIL(connected.error().message);
    auto before = t.run("netsh interface teredo show state", shell_kind::cmd, soon());
    REQUIRE(before.has_value());
    CHECK(before->stdout_text.find("Type                    : enterpriseclient\r\n") != std::string::npos);
    auto apply = t.run("netsh interface teredo set state type=disabled", shell_kind::cmd, soon());
    REQUIRE(apply.has_value());
    CHECK(apply->exit_code == 0);
    CHECK(apply->stdout_text == "Ok.\r\n\r\n");
    CHECK(fleet->current_type(host) == lab::teredo_type::disabled);
    t.close();
    const auto c = fleet->counters(host);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.commands == 2);
    CHECK(c.applies == 1);
}

TEST_CASE("over SSH a host without elevation refuses the change with exit 1", "[lab][integration]") {
    auto fleet = start_ssh_lab();
    ssh_transport t(settings_from_inventory(*fleet, "ssh02.lab.example"));
    REQUIRE(t.connect(soon()).has_value());
    auto apply = t.run("netsh interface teredo set state type=disabled", shell_kind::cmd, soon());
    REQUIRE(apply.has_value());
    CHECK(apply->exit_code == 1);
    CHECK(apply->stdout_text.find("requires elevation") != std::string::npos);
    CHECK(fleet->current_type("ssh02.lab.example") == lab::teredo_type::enterpriseclient);
}

TEST_CASE("over SSH a host whose password differs is an auth error", "[lab][integration]") {
    auto fleet = start_ssh_lab();
    ssh_transport t(settings_from_inventory(*fleet, "ssh03.lab.example"));
    const auto connected = t.connect(soon());
    REQUIRE_FALSE(connected.has_value());
    CHECK(connected.error().kind == error_kind::auth);
    CHECK(fleet->counters("ssh03.lab.example").auth_failures >= 1);
}
