// The `jump` key: ProxyJump syntax, precedence ("none" switches an inherited
// jump off), hops that name inventory hosts, and errors at file:line:column.
#include "config_test_support.hpp"
#include "inventory_load_error.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"
#include "orchestrator/config/jump_spec.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using fleetmend::test::load_error;
using fleetmend::test::temp_folder;

namespace {

std::vector<std::string> endpoints(const host_entry& host) {
    std::vector<std::string> out;
    for (const auto& hop : host.connection.jump) out.push_back(hop.endpoint());
    return out;
}

}  // namespace

TEST_CASE("jump hops parse as ssh's ProxyJump does", "[config][unit]") {
    auto hops = parse_jump("ops@bastion.example:2222, hop2 ,ssh://u@[2001:db8::1]:22");
    REQUIRE(hops.has_value());
    REQUIRE(hops->size() == 3);
    CHECK((*hops)[0].user == "ops");
    CHECK((*hops)[0].host == "bastion.example");
    CHECK((*hops)[0].port == 2222);
    CHECK((*hops)[1].user.empty());
    CHECK((*hops)[1].host == "hop2");
    CHECK_FALSE((*hops)[1].port.has_value());
    CHECK((*hops)[2].host == "2001:db8::1");
    CHECK((*hops)[2].text() == "u@[2001:db8::1]:22");
    CHECK(parse_jump("none")->empty());

    CHECK(parse_jump("").error().find("expected jump hosts") != std::string::npos);
    CHECK(parse_jump("a,,b").error() == "hop 2 is empty (two commas, or a comma at an end)");
    CHECK(parse_jump("a:0").error() == "hop 1 ('a:0') has port '0'; expected 1 to 65535");
    CHECK(parse_jump("a:22x").error().find("expected 1 to 65535") != std::string::npos);
    CHECK(parse_jump("@a").error().find("empty user name") != std::string::npos);
    CHECK(parse_jump("a,none").error() == "\"none\" cannot be combined with jump hosts");
    CHECK(parse_jump("2001:db8::1").error().find("[address]:port") != std::string::npos);
}

TEST_CASE("jump is inherited by precedence and \"none\" switches it off", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", R"(
[defaults]
jump = "ops@bastion.example"

[groups.dc2]
hosts = ["far1", "far2", "near"]
jump = "ops@bastion.example:2222,admin@inner.example:22"

[hosts.far2]
jump = "me@other.example"

[hosts.near]
jump = "none"

[hosts.lone]
)"));
    REQUIRE(inv.has_value());
    CHECK(endpoints(*inv->find("far1")) ==
          std::vector<std::string>{"ops@bastion.example:2222", "admin@inner.example:22"});
    CHECK(endpoints(*inv->find("far2")) == std::vector<std::string>{"me@other.example:22"});
    CHECK(inv->find("near")->connection.jump.empty());
    CHECK(endpoints(*inv->find("lone")) == std::vector<std::string>{"ops@bastion.example:22"});
    // A hop that is no inventory host uses the target's ssh settings.
    CHECK(inv->find("lone")->connection.jump[0].ssh.key_policy == host_key_policy::strict);

    const auto json = host_to_json(*inv->find("far1"));
    REQUIRE(json["jump"].size() == 2);
    CHECK(json["jump"][1]["address"] == "inner.example");
    CHECK(json["jump"][1]["user"] == "admin");
    CHECK(host_to_line(*inv->find("far1")).find("  jump=ops@bastion.example:2222,admin@inner.example:22") !=
          std::string::npos);
    CHECK(host_to_line(*inv->find("near")).find("jump=") == std::string::npos);
}

TEST_CASE("a hop that names an inventory host uses its ssh settings and its own jump hosts", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", R"(
[hosts.outer]
transport = "ssh"
address = "192.0.2.2"
user = "gate"
ssh = { port = 2200, known_hosts = "/etc/fm/bastions", host_key_policy = "accept-new", identity_file = "/k/gate" }

[hosts.inner]
transport = "ssh"
address = "198.51.100.2"
jump = "outer"

[hosts.win1]
address = "203.0.113.10"
user = 'LAB\admin'
jump = "inner"

[hosts.win2]
jump = "root@inner:2022"
)"));
    REQUIRE(inv.has_value());
    const auto& win1 = *inv->find("win1");
    CHECK(endpoints(win1) == std::vector<std::string>{"gate@192.0.2.2:2200", "198.51.100.2:22"});
    CHECK(win1.connection.jump[0].name == "outer");
    CHECK(win1.connection.jump[0].ssh.known_hosts == "/etc/fm/bastions");
    CHECK(win1.connection.jump[0].ssh.key_policy == host_key_policy::accept_new);
    CHECK(win1.connection.jump[0].ssh.identity_file == "/k/gate");
    CHECK(endpoints(*inv->find("win2")) == std::vector<std::string>{"gate@192.0.2.2:2200", "root@198.51.100.2:2022"});
}

TEST_CASE("jump errors name file, line, key and the hop", "[config][unit]") {
    temp_folder dir;
    const std::string file = (dir.path() / "inv.toml").string();
    CHECK(load_error(dir, "[defaults]\nuser = \"x\"\njump = \"a@b:99999\"\n") ==
          file + ":3:8: key 'defaults.jump': hop 1 ('a@b:99999') has port '99999'; expected 1 to 65535");
    CHECK(load_error(dir, "[hosts.h]\njump = 22\n").starts_with(file + ":2:8: key 'hosts.h.jump': expected a string"));
    CHECK(load_error(dir, "[hosts.a]\njump = \"b\"\n[hosts.b]\njump = \"a\"\n")
              .starts_with(file + ":4:8: key 'hosts.b.jump': host 'b': jump hosts form a loop: a -> b -> a"));
    CHECK(load_error(dir, "[hosts.a]\njump = \"x,a\"\n")
              .starts_with(file + ":2:8: key 'hosts.a.jump': host 'a': jump hosts form a loop: a -> a"));
}
