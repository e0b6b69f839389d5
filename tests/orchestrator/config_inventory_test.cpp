// Inventory loading: ranges, groups, precedence, defaults, and errors that
// point at file:line:column with the dotted key and what was expected.
#include "config_test_support.hpp"
#include "inventory_load_error.hpp"
#include "orchestrator/config/host_range.hpp"
#include "orchestrator/config/inventory.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

using namespace fleetmend;
using fleetmend::test::load_error;
using fleetmend::test::temp_folder;

namespace {

std::vector<std::string> names(const inventory& inv) {
    std::vector<std::string> out;
    for (const auto& h : inv.hosts) out.push_back(h.name);
    return out;
}

}  // namespace

TEST_CASE("host ranges keep zero padding and expand letters and steps", "[config][unit]") {
    auto padded = expand_host_range("web[01:12].dc1.corp.example");
    REQUIRE(padded.has_value());
    REQUIRE(padded->size() == 12);
    CHECK(padded->front() == "web01.dc1.corp.example");
    CHECK((*padded)[8] == "web09.dc1.corp.example");
    CHECK(padded->back() == "web12.dc1.corp.example");

    auto plain = expand_host_range("app[8:10]");
    REQUIRE(plain.has_value());
    CHECK(*plain == std::vector<std::string>{"app8", "app9", "app10"});

    auto letters = expand_host_range("rack[a:c]-[1:2]");
    REQUIRE(letters.has_value());
    CHECK(*letters == std::vector<std::string>{"racka-1", "racka-2", "rackb-1", "rackb-2", "rackc-1", "rackc-2"});

    auto stepped = expand_host_range("n[0:6:3]");
    REQUIRE(stepped.has_value());
    CHECK(*stepped == std::vector<std::string>{"n0", "n3", "n6"});

    CHECK(expand_host_range("x[5:1]").error().find("starts after it ends") != std::string::npos);
    CHECK(expand_host_range("x[1:5").error().find("without ']'") != std::string::npos);
    CHECK(expand_host_range("x[a:5]").error().find("numbers") != std::string::npos);
    CHECK(expand_host_range("x[0:99999999]").error().find("million") != std::string::npos);
}

TEST_CASE("the example inventory loads with groups, ranges and precedence", "[config][unit]") {
    auto inv = load_inventory(FLEETMEND_SOURCE_DIR "/inventories/example.toml");
    REQUIRE(inv.has_value());
    CHECK(inv->hosts.size() == 40 + 3 + 1);
    CHECK(inv->hosts.front().name == "web01.dc1.corp.example");
    CHECK(inv->groups.size() == 4);

    const auto* web07 = inv->find("web07.dc1.corp.example");
    REQUIRE(web07 != nullptr);
    CHECK(web07->connection.address == "10.1.0.7");
    CHECK(web07->connection.kind == transport_kind::winrm);
    CHECK(web07->connection.winrm.scheme == winrm_scheme::http);  // group beats defaults
    CHECK(web07->connection.port == 5985);                         // http default port
    CHECK(web07->connection.winrm.auth == winrm_auth::ntlm);
    CHECK(web07->connection.user == "CORP\\svc-remediate");
    CHECK(web07->connection.connect_timeout == std::chrono::seconds(10));
    CHECK(web07->vars.at("site") == "dc1");
    CHECK(web07->groups == std::vector<std::string>{"windows", "dc1-web"});  // parents first
    CHECK(web07->password_source.from == secret_source::kind::env);
    CHECK(web07->password_source.reference == "FLEETMEND_PASSWORD");
    CHECK(web07->connection.password.empty());  // only resolve_secrets fills it

    const auto* app = inv->find("app2.dc2.corp.example");
    REQUIRE(app != nullptr);
    CHECK(app->connection.winrm.scheme == winrm_scheme::https);
    CHECK(app->connection.port == 5986);
    CHECK(app->connection.address == "app2.dc2.corp.example");

    const auto* relay = inv->find("relay1.corp.example");
    REQUIRE(relay != nullptr);
    CHECK(relay->connection.kind == transport_kind::ssh);
    CHECK(relay->connection.user == "root");
    CHECK(relay->connection.port == 22);
    CHECK(relay->connection.ssh.key_policy == host_key_policy::strict);
    const char* home = std::getenv("HOME");
    REQUIRE(home != nullptr);
    CHECK(relay->connection.ssh.identity_file == std::string(home) + "/.ssh/id_ed25519");  // ~ expanded
}

TEST_CASE("precedence: defaults < parent group < child group < host, vars merge the same way", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", R"(
[defaults]
user = "default-user"
command_timeout = 30
vars = { site = "none", tier = "x" }
ssh = { port = 2200 }

[groups.parent]
children = ["child"]
user = "parent-user"
command_timeout = "2m"
connect_timeout = "1500ms"
vars = { site = "parent" }

[groups.child]
hosts = ["h1", "h2"]
user = "child-user"
transport = "ssh"
vars = { site = "child" }

[hosts.h2]
user = "host-user"
port = 2222
max_output = "64KiB"
)"));
    REQUIRE(inv.has_value());
    REQUIRE(names(*inv) == std::vector<std::string>{"h1", "h2"});
    const auto& h1 = inv->hosts[0];
    CHECK(h1.connection.user == "child-user");  // child beats parent even though parent is declared first
    CHECK(h1.connection.command_timeout == std::chrono::minutes(2));
    CHECK(h1.connection.connect_timeout == std::chrono::milliseconds(1500));
    CHECK(h1.connection.port == 2200);  // defaults.ssh.port for an ssh host
    CHECK(h1.vars.at("site") == "child");
    CHECK(h1.vars.at("tier") == "x");
    const auto& h2 = inv->hosts[1];
    CHECK(h2.connection.user == "host-user");
    CHECK(h2.connection.port == 2222);
    CHECK(h2.connection.max_output_bytes == 64 * 1024);
}

TEST_CASE("a host in several groups is one host, in file order, without duplicates", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", R"(
[groups.b]
hosts = ["z1", "a1"]
[groups.a]
hosts = ["a1", "m1"]
[hosts.solo]
address = "192.0.2.5"
)"));
    REQUIRE(inv.has_value());
    CHECK(names(*inv) == std::vector<std::string>{"z1", "a1", "m1", "solo"});
    CHECK(inv->find("a1")->groups == std::vector<std::string>{"b", "a"});
    CHECK(inv->find("solo")->groups.empty());
    CHECK(inv->find("solo")->connection.port == 5986);  // winrm over https by default
}

TEST_CASE("inventory errors carry file:line:column, the dotted key and what was expected", "[config][unit]") {
    temp_folder dir;
    const std::string file = (dir.path() / "inv.toml").string();

    SECTION("a misspelt auth names the choices and what was written") {
        CHECK(load_error(dir, "[groups.web]\nhosts = [\"w1\"]\n\n[groups.web.winrm]\nscheme = \"https\"\nauth = \"ntml\"\n") ==
              file + ":6:8: key 'groups.web.winrm.auth': expected one of ntlm, kerberos, negotiate, basic, "
                     "certificate, got \"ntml\"");
    }
    SECTION("unknown keys are errors at the key") {
        CHECK(load_error(dir, "[defaults]\nuser = \"x\"\ncomand_timeout = \"10s\"\n") ==
              file + ":3:1: key 'defaults.comand_timeout': unknown key; expected one of transport, user, password, "
                     "port, connect_timeout, command_timeout, max_output, jump, winrm, ssh, vars (did you mean 'command_timeout'?)");
        CHECK(load_error(dir, "[defaults.ssh]\nhost_key_policy = \"strict\"\nidentity = \"x\"\n")
                  .starts_with(file + ":3:1: key 'defaults.ssh.identity': unknown key"));
        CHECK(load_error(dir, "[hosts.\"a.b\"]\nadress = \"10.0.0.1\"\n")
                  .starts_with(file + ":2:1: key 'hosts.\"a.b\".adress': unknown key"));
        CHECK(load_error(dir, "[group.web]\nhosts = []\n").starts_with(file + ":1:2: key 'group': unknown key"));
    }
    SECTION("a plain-text password is refused without echoing it") {
        const auto message = load_error(dir, "[defaults]\npassword = \"hunter2\"\n");
        CHECK(message.starts_with(file + ":2:12: key 'defaults.password': a password must not be written"));
        CHECK(message.find("env") != std::string::npos);
        CHECK(message.find("command") != std::string::npos);
        CHECK(message.find("hunter2") == std::string::npos);
    }
    SECTION("a password table needs exactly one known source") {
        CHECK(load_error(dir, "[defaults]\npassword = { vault = \"x\" }\n")
                  .starts_with(file + ":2:14: key 'defaults.password.vault': unknown key"));
        CHECK(load_error(dir, "[defaults]\npassword = { prompt = false }\n").find("expected true") != std::string::npos);
    }
    SECTION("bad values say what was expected") {
        CHECK(load_error(dir, "[defaults]\nconnect_timeout = \"10 seconds\"\n") ==
              file + ":2:19: key 'defaults.connect_timeout': expected a duration such as \"500ms\", \"10s\", \"2m\", "
                     "\"1h\" or a whole number of seconds, got \"10 seconds\"");
        CHECK(load_error(dir, "[hosts.a]\nport = 70000\n") ==
              file + ":2:8: key 'hosts.a.port': expected an integer from 1 to 65535, got 70000");
        CHECK(load_error(dir, "[defaults]\ntransport = \"telnet\"\n").find("expected one of winrm, ssh, got \"telnet\"") !=
              std::string::npos);
    }
    SECTION("bad ranges, unknown children and cycles") {
        CHECK(load_error(dir, "[groups.web]\nhosts = [\"ok\", \"web[9:1]\"]\n") ==
              file + ":2:16: key 'groups.web.hosts[1]': host name 'web[9:1]': range [9:1] starts after it ends");
        CHECK(load_error(dir, "[groups.all-web]\nchildren = [\"web\"]\n").find("no group named 'web'") != std::string::npos);
        CHECK(load_error(dir, "[groups.a]\nchildren = [\"b\"]\n[groups.b]\nchildren = [\"a\"]\n").find("contain each other") !=
              std::string::npos);
        CHECK(load_error(dir, "[groups.all]\nhosts = [\"x\"]\n").find("reserved") != std::string::npos);
    }
    SECTION("settings that cannot work together are caught at load") {
        CHECK(load_error(dir, "[defaults.winrm]\nscheme = \"http\"\nauth = \"basic\"\n[hosts.h]\n")
                  .starts_with(file + ":3:8: key 'defaults.winrm.auth': host 'h': auth = \"basic\" over http"));
        CHECK(load_error(dir, "[defaults.winrm]\nauth = \"certificate\"\n[hosts.h]\n").find("cert_file") != std::string::npos);
    }
    SECTION("TOML syntax errors keep toml++'s place") {
        CHECK(load_error(dir, "[defaults]\nuser = \n").starts_with(file + ":2:"));
    }
}

TEST_CASE("a missing inventory file is an error that names it", "[config][unit]") {
    auto inv = load_inventory("/nonexistent/fleetmend/inv.toml");
    REQUIRE_FALSE(inv.has_value());
    CHECK(inv.error().to_string().starts_with("/nonexistent/fleetmend/inv.toml"));
}

TEST_CASE("ports: the transport's own port beats the plain port on the same level, a nearer level beats both",
          "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", R"(
[defaults]
port = 1000
winrm = { port = 2000 }
ssh = { port = 3000 }
[groups.ssh-hosts]
hosts = ["s1", "s2"]
transport = "ssh"
[groups.web]
hosts = ["w1", "w2"]
[hosts.s2]
port = 4000
[hosts.w2]
winrm = { scheme = "http" }
)"));
    REQUIRE(inv.has_value());
    CHECK(inv->find("s1")->connection.port == 3000);
    CHECK(inv->find("s2")->connection.port == 4000);
    CHECK(inv->find("w1")->connection.port == 2000);
    CHECK(inv->find("w2")->connection.port == 2000);  // a scheme change does not undo an explicit port
}

TEST_CASE("file paths expand ~ and password sources keep only a reference", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", R"(
[defaults]
password = { file = "~/.fleetmend/pw" }
winrm = { ca_file = "~/ca.pem", cert_file = "/etc/c.pem", key_file = "/etc/k.pem", auth = "certificate" }
[hosts.h1]
[hosts.h2]
password = { command = "pass show corp/svc" }
[hosts.h3]
password = { prompt = true }
)"));
    REQUIRE(inv.has_value());
    const std::string home = std::getenv("HOME");
    CHECK(inv->find("h1")->password_source.from == secret_source::kind::file);
    CHECK(inv->find("h1")->password_source.reference == home + "/.fleetmend/pw");
    CHECK(inv->find("h1")->connection.winrm.ca_file == home + "/ca.pem");
    CHECK(inv->find("h1")->connection.winrm.auth == winrm_auth::certificate);
    CHECK(inv->find("h2")->password_source.from == secret_source::kind::command);
    CHECK(inv->find("h2")->password_source.reference == "pass show corp/svc");
    CHECK(inv->find("h3")->password_source.from == secret_source::kind::prompt);
}

TEST_CASE("relative file paths are taken from the inventory's folder, not the current one", "[config][unit]") {
    temp_folder dir;
    const auto inventory_file = dir.write("inv.toml", R"(
[defaults]
password = { file = "secrets/pw" }
winrm = { ca_file = "../shared/ca.pem" }
ssh = { known_hosts = "./known_hosts" }
[hosts.h1]
[hosts.h2]
winrm = { ca_file = "/etc/ssl/corp.pem" }
)");
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path("/");  // a folder that is not the inventory's
    auto inv = load_inventory(inventory_file);
    std::filesystem::current_path(cwd);
    REQUIRE(inv.has_value());
    const auto folder = dir.path();
    CHECK(inv->find("h1")->password_source.reference == (folder / "secrets/pw").string());
    CHECK(inv->find("h1")->connection.winrm.ca_file == (folder.parent_path() / "shared/ca.pem").string());
    CHECK(inv->find("h1")->connection.ssh.known_hosts == (folder / "known_hosts").string());
    CHECK(inv->find("h2")->connection.winrm.ca_file == "/etc/ssl/corp.pem");
}

TEST_CASE("an empty inventory is valid and has no hosts", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", "# nothing yet\n"));
    REQUIRE(inv.has_value());
    CHECK(inv->hosts.empty());
    auto all = select_hosts(*inv, "all");
    REQUIRE(all.has_value());
    CHECK(all->empty());
}

TEST_CASE("the inventories shipped in inventories/ load", "[config][unit]") {
    for (const auto& entry : std::filesystem::directory_iterator(FLEETMEND_SOURCE_DIR "/inventories")) {
        if (entry.path().extension() != ".toml") continue;
        INFO(entry.path().string());
        auto inv = load_inventory(entry.path().string());
        if (!inv) FAIL_CHECK(inv.error().to_string());
        CHECK(inv.has_value());
    }
}

TEST_CASE("winrm.tls_server_name is read per host and a malformed one is an error at the key", "[config][unit]") {
    temp_folder dir;
    const std::string file = (dir.path() / "inv.toml").string();
    auto inv = load_inventory(dir.write("inv.toml", "[defaults.winrm]\nscheme = \"https\"\n"
                                                   "[hosts.web07]\naddress = \"10.1.0.7\"\n"
                                                   "winrm = { tls_server_name = \"web07.dc1.corp.example\" }\n"
                                                   "[hosts.web08]\n"));
    REQUIRE(inv.has_value());
    REQUIRE(inv->hosts.size() == 2);
    CHECK(inv->hosts[0].connection.winrm.tls_server_name == "web07.dc1.corp.example");
    CHECK(inv->hosts[1].connection.winrm.tls_server_name.empty());
    CHECK(load_error(dir, "[defaults.winrm]\ntls_server_name = \"https://web07\"\n")
              .starts_with(file + ":2:19: key 'defaults.winrm.tls_server_name': expected the host name"));
}
