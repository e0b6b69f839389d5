// The inventory a lab writes is one fleetmend itself accepts: every host,
// its address, transport settings, the CA and the password file.
#include "orchestrator/config/inventory.hpp"
#include "transports/lab/lab.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace fleetmend;

TEST_CASE("fleetmend loads the lab's inventory and resolves its password", "[lab][integration]") {
    lab::lab_options options;
    options.address_base = "127.222." + std::to_string(::getpid() % 250 + 1) + ".1";
    auto started = lab::lab_fleet::start(options);  // the embedded default scenario
    REQUIRE(started.has_value());
    auto& fleet = **started;

    auto loaded = load_inventory(fleet.inventory_path());
    if (!loaded) FAIL(loaded.error().message);
    inventory& inv = *loaded;
    REQUIRE(inv.hosts.size() == fleet.host_names().size());

    const host_entry* http_host = inv.find("win001.lab.example");
    const host_entry* basic_host = inv.find("win005.lab.example");
    REQUIRE(http_host);
    REQUIRE(basic_host);
    CHECK(http_host->connection.address == fleet.find("win001.lab.example")->address);
    CHECK(http_host->connection.winrm.scheme == winrm_scheme::http);
    CHECK(http_host->connection.winrm.auth == winrm_auth::ntlm);
    CHECK(basic_host->connection.winrm.scheme == winrm_scheme::https);
    CHECK(basic_host->connection.winrm.auth == winrm_auth::basic);
    CHECK(basic_host->connection.winrm.ca_file == fleet.ca_file());
    CHECK(http_host->connection.user == "LAB\\Administrator");

    std::vector<host_entry*> hosts{&inv.hosts.front()};
    REQUIRE(resolve_secrets(hosts).has_value());
    CHECK(inv.hosts.front().connection.password.reveal() == fleet.credentials().password);

    const auto windows = select_hosts(inv, "windows");
    REQUIRE(windows.has_value());
    CHECK(windows->size() == inv.hosts.size());
}
