// The refusals Windows hosts give most often, against the lab: each error
// says what to change on the host. (Expired and self-signed listener
// certificates: test_winrm_tls_identity.cpp.)
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

namespace {

constexpr const char* password = "Lab-Passw0rd-81";

// The lab's account is the local account RF01\ops (not the built-in
// Administrator). 1: HTTP+NTLM without LocalAccountTokenFilterPolicy;
// 2: HTTP+NTLM with it; 3: HTTPS+NTLM with CbtHardeningLevel=Strict.
const char* scenario = R"toml(
name = "refusals"
hosts = 3
name_pattern = "rf{n:02}.lab.example"
domain = "RF01"
user = "ops"
password = "Lab-Passw0rd-81"

[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"
weight = 2

[[group]]
name = "https-ntlm"
scheme = "https"
auth = "ntlm"
weight = 1

[[fault]]
kind = "filtered-admin-token"
hosts = [1]

[[fault]]
kind = "strict-channel-binding"
hosts = [3]
)toml";

lab::lab_fleet& fleet() {
    static test::lab_in_temp_dir env = [] {
        auto started = test::lab_in_temp_dir::start(scenario, "127.237.");
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return *env.fleet;
}

connection_settings settings_for(unsigned n) {
    const auto name = lab::format_host_name("rf{n:02}.lab.example", n);
    REQUIRE(fleet().find(name) != nullptr);
    return test::lab_host_settings(fleet(), name, "RF01\\ops", password);
}

using test::in_seconds;

}  // namespace

TEST_CASE("Refusals: a local administrator without LocalAccountTokenFilterPolicy is told to set it", "[winrm][lab][integration]") {
    winrm_transport t(settings_for(1));
    auto r = t.connect(in_seconds(30));
    // The 401 comes on the logon's last leg, before any shell.
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK(r.error().kind == error_kind::auth);
    const auto& m = r.error().message;
    CHECK(m.find("'RF01\\ops' is a local account other than the built-in Administrator") != std::string::npos);
    CHECK(m.find("LocalAccountTokenFilterPolicy /t REG_DWORD /d 1") != std::string::npos);
    CHECK(fleet().counters(settings_for(1).host_name).shells == 0);

    // The same account where the policy is set: accepted.
    winrm_transport ok(settings_for(2));
    REQUIRE(ok.connect(in_seconds(30)).has_value());
    REQUIRE(ok.run("hostname", shell_kind::cmd, in_seconds(15)).has_value());
}

TEST_CASE("Refusals: Basic over HTTP to a host with AllowUnencrypted=false says so", "[winrm][lab][integration]") {
    auto settings = settings_for(2);
    settings.winrm.auth = winrm_auth::basic;
    settings.winrm.allow_unencrypted = true;  // the inventory allows it; the host does not
    settings.user = "ops";
    winrm_transport t(settings);
    auto r = t.connect(in_seconds(30));
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK(r.error().kind == error_kind::auth);
    CHECK(r.error().message.find("AllowUnencrypted=false") != std::string::npos);
    CHECK(r.error().message.find("winrm set winrm/config/service @{AllowUnencrypted=\"true\"}") != std::string::npos);
}

TEST_CASE("Refusals: a CbtHardeningLevel=Strict host accepts fleetmend's NTLM over HTTPS (channel bindings sent)", "[winrm][lab][integration]") {
    auto settings = settings_for(3);
    winrm_transport t(settings);
    auto c = t.connect(in_seconds(30));
    INFO((c ? std::string() : c.error().message));
    REQUIRE(c.has_value());
    REQUIRE(t.run("hostname", shell_kind::cmd, in_seconds(15)).has_value());
    t.close();
    const auto counted = fleet().counters(settings.host_name);
    CHECK(counted.connections == 1);
    CHECK(counted.authentications == 1);
    CHECK(counted.auth_failures == 0);
    CHECK(counted.shells == 1);
}
