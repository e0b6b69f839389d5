// The OpenSSH client config as `ssh -G` reads it (first value wins, Host
// patterns, Match, Include, tokens), and as the inventory's lowest source:
// inventory keys win, `fleetmend inventory` shows each value's origin.
#include "config_test_support.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"
#include "orchestrator/config/ssh_client_config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace fleetmend;
using fleetmend::test::temp_folder;

namespace {

ssh_config_host resolve(const std::string& path, const std::string& name) {
    auto config = ssh_client_config::load(path);
    REQUIRE(config.has_value());
    auto host = config->resolve(name);
    REQUIRE(host.has_value());
    return *host;
}

}  // namespace

TEST_CASE("ssh patterns: * and ?, case-insensitive, !negation vetoes", "[config][unit]") {
    CHECK(ssh_pattern_matches("*.dc2.example", "web1.DC2.example"));
    CHECK(ssh_pattern_matches("web?", "web7"));
    CHECK_FALSE(ssh_pattern_matches("web?", "web17"));
    CHECK(ssh_pattern_matches("*", ""));
    CHECK(ssh_pattern_matches("a*b*c", "axxbyyc"));
    CHECK_FALSE(ssh_pattern_matches("a*b*c", "axxbyy"));
    CHECK(ssh_pattern_list_matches({"*.example", "!db*"}, "web.example"));
    CHECK_FALSE(ssh_pattern_list_matches({"*.example", "!db*"}, "db1.example"));
    CHECK_FALSE(ssh_pattern_list_matches({"!db*"}, "web"));
}

TEST_CASE("the first value obtained wins, by Host block, with file and line", "[config][unit]") {
    temp_folder dir;
    const auto path = dir.write("config", R"(# a comment
Host web*  !web9
    HostName %h.dc2.internal
    User ops
    Port 2222
    IdentityFile ~/.ssh/%r-%h

Host *
    User nobody
    Port=22
    ProxyJump gate@bastion.example:22,inner
    UserKnownHostsFile "/etc/ssh/fleet known"
    StrictHostKeyChecking Accept-New
)");
    const auto web = resolve(path, "web1");
    REQUIRE(web.host_name);
    CHECK(web.host_name->value == "web1.dc2.internal");
    CHECK(web.host_name->origin() == path + ":3");
    CHECK(web.user->value == "ops");
    CHECK(web.port->value == "2222");
    CHECK(web.identity_file->value == std::string(std::getenv("HOME")) + "/.ssh/ops-web1.dc2.internal");
    CHECK(web.proxy_jump->value == "gate@bastion.example:22,inner");
    CHECK(web.proxy_jump->line == 11);
    CHECK(web.known_hosts->value == "/etc/ssh/fleet known");
    CHECK(web.strict_host_key_checking->value == "accept-new");

    const auto web9 = resolve(path, "web9");
    CHECK_FALSE(web9.host_name);
    CHECK(web9.user->value == "nobody");
    CHECK(web9.user->line == 9);
}

TEST_CASE("Include, Match all and Match host apply but other Match criteria do not", "[config][unit]") {
    temp_folder dir;
    const auto included = dir.write("dc2.conf", "Host *.dc2\n  User dc2-admin\n");
    const auto path = dir.write("config", "Include " + included + "\nMatch exec \"true\"\n  User never\n"
                                          "Match host db*\n  Port 2200\nMatch all\n  User everyone\n");
    CHECK(resolve(path, "a.dc2").user->value == "dc2-admin");
    CHECK(resolve(path, "a.dc2").user->file == included);
    CHECK(resolve(path, "db1").port->value == "2200");
    CHECK(resolve(path, "db1").user->value == "everyone");
    CHECK_FALSE(resolve(path, "web").port);
}

TEST_CASE("bad ssh config values are errors at their file and line", "[config][unit]") {
    temp_folder dir;
    const auto path = dir.write("config", "Host x\n  Port ssh\nHost y\n  StrictHostKeyChecking maybe\n");
    auto config = ssh_client_config::load(path);
    REQUIRE(config.has_value());
    CHECK(config->resolve("x").error().to_string() == path + ":2: key 'Port': expected a port from 1 to 65535, got 'ssh'");
    CHECK(config->resolve("y").error().line == 4);
    CHECK(ssh_client_config::load(dir.path() / "missing").error().message == "cannot read this ssh config file");
}

TEST_CASE("the inventory takes what it leaves unset from ssh.config_file and shows where from", "[config][unit]") {
    temp_folder dir;
    const auto config = dir.write("ssh_config", R"(Host lin*
  HostName 203.0.113.%h
  User ops
  Port 2022
  IdentityFile /keys/ops
  StrictHostKeyChecking no
  ProxyJump bastion

Host win*
  ProxyJump bastion
  User not-for-winrm

Host bastion
  HostName 192.0.2.1
  User gate
  IdentityFile /keys/gate
  UserKnownHostsFile /etc/fm/bastion_known_hosts
)");
    auto inv = load_inventory(dir.write("inv.toml", R"(
[defaults]
ssh = { config_file = "ssh_config" }

[hosts.lin1]
transport = "ssh"
user = "root"

[hosts.lin2]
transport = "ssh"
address = "198.51.100.7"
jump = "none"

[hosts.win1]
user = 'LAB\admin'
)"));
    REQUIRE(inv.has_value());
    const auto& lin1 = *inv->find("lin1");
    CHECK(lin1.connection.address == "203.0.113.lin1");
    CHECK(lin1.connection.user == "root");  // the inventory wins
    CHECK(lin1.connection.port == 2022);
    CHECK(lin1.connection.ssh.identity_file == "/keys/ops");
    CHECK(lin1.connection.ssh.key_policy == host_key_policy::off);
    REQUIRE(lin1.connection.jump.size() == 1);
    CHECK(lin1.connection.jump[0].endpoint() == "gate@192.0.2.1:22");
    CHECK(lin1.connection.jump[0].ssh.identity_file == "/keys/gate");
    CHECK(lin1.connection.jump[0].ssh.known_hosts == "/etc/fm/bastion_known_hosts");
    CHECK(lin1.origins.at("user") == "inventory");
    CHECK(lin1.origins.at("address") == "ssh config " + config + ":2");
    CHECK(lin1.origins.at("jump") == "ssh config " + config + ":7");

    const auto& lin2 = *inv->find("lin2");
    CHECK(lin2.connection.address == "198.51.100.7");
    CHECK(lin2.connection.jump.empty());

    const auto& win1 = *inv->find("win1");
    CHECK(win1.connection.user == "LAB\\admin");
    CHECK(win1.connection.port == 5986);
    REQUIRE(win1.connection.jump.size() == 1);
    CHECK(win1.connection.jump[0].address == "192.0.2.1");
    CHECK(win1.origins.count("user") == 1);
    CHECK(win1.origins.at("jump") == "ssh config " + config + ":10");

    CHECK(host_to_json(lin1)["origins"]["port"] == "ssh config " + config + ":4");
    CHECK(host_to_line(lin1).find("  ssh_config=address<-" + config + ":2,jump<-" + config + ":7") !=
          std::string::npos);
}

TEST_CASE("an empty ssh.config_file turns the config file off, a missing one is an error", "[config][unit]") {
    temp_folder dir;
    dir.write("ssh_config", "Host *\n  Port 2022\n");
    auto off = load_inventory(dir.write("inv.toml", "[hosts.h]\ntransport = \"ssh\"\nssh = { config_file = \"\" }\n"));
    REQUIRE(off.has_value());
    CHECK(off->find("h")->connection.port == 22);
    CHECK(off->find("h")->origins.empty());
    const auto missing = load_inventory(dir.write("inv2.toml", "[defaults.ssh]\nconfig_file = \"nope\"\n[hosts.h]\n"));
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().line == 2);
    CHECK(missing.error().message.find("cannot read this ssh config file") != std::string::npos);
}
