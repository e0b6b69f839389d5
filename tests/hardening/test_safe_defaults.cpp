// Safe defaults as a user meets them: an inventory that says nothing about
// security gets verified TLS, sealed or encrypted traffic, strict host keys
// and a bounded output per step. (The negative tests that these settings are
// enforced on the wire live with the transports; see docs/SECURITY.md.)
#include "orchestrator/config/inventory.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace fleetmend;
namespace fs = std::filesystem;

TEST_CASE("an inventory silent on security gets the safe settings", "[defaults][unit]") {
    const fs::path path = fs::temp_directory_path() / ("fleetmend-defaults-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << "[defaults]\nuser = \"admin\"\n\n"
                           "[groups.windows]\nhosts = [\"win01.example\"]\n\n"
                           "[groups.linux]\nhosts = [\"lin01.example\"]\ntransport = \"ssh\"\n";
    auto inv = load_inventory(path.string());
    fs::remove(path);
    if (!inv) FAIL(inv.error().to_string());

    const host_entry* win = inv->find("win01.example");
    const host_entry* lin = inv->find("lin01.example");
    REQUIRE(win);
    REQUIRE(lin);
    CHECK(win->connection.winrm.scheme == winrm_scheme::https);
    CHECK_FALSE(win->connection.winrm.insecure);
    CHECK_FALSE(win->connection.winrm.allow_unencrypted);
    CHECK(win->connection.winrm.auth != winrm_auth::basic);
    CHECK(lin->connection.kind == transport_kind::ssh);
    CHECK(lin->connection.ssh.key_policy == host_key_policy::strict);
    // A hostile host cannot make the workstation keep unbounded output.
    CHECK(win->connection.max_output_bytes > 0);
    CHECK(win->connection.max_output_bytes <= 64u << 20);
    CHECK(win->connection.connect_timeout.count() > 0);
    CHECK(win->connection.command_timeout.count() > 0);
    // No password was asked for and none is held.
    CHECK(win->password_source.from == secret_source::kind::none);
}

TEST_CASE("a misspelled security key is an error, not a silent default", "[defaults][unit]") {
    // A user who believes they set the host key policy must not silently get
    // whatever the default is.
    const fs::path path = fs::temp_directory_path() / ("fleetmend-typo-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << "[defaults.ssh]\nhost_key_polciy = \"strict\"\n\n[groups.linux]\nhosts = [\"lin01.example\"]\n";
    auto inv = load_inventory(path.string());
    fs::remove(path);
    REQUIRE_FALSE(inv.has_value());
    CHECK(inv.error().to_string().find("host_key_polciy") != std::string::npos);
}
