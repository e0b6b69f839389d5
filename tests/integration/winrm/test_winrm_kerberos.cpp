// HTTP + Kerberos sealing against a real MIT KDC on loopback; negotiate
// picks Kerberos when it works and falls back to NTLM when it does not.
#include "tests/integration/kdc/kdc_fixture.hpp"
#include "tests/integration/winrm/mini_wsman_server.hpp"
#include "tests/integration/winrm/winrm_test_env.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::test;

namespace {
const kdc_fixture& kdc() {
    static std::unique_ptr<kdc_fixture> instance = [] {
        winrm_test_env::get();
        kdc_options options;
        options.service_hosts = {"win01.lab.example"};
        options.password = lab_password;
        auto started = kdc_fixture::start(options);
        if (!started) FAIL("KDC: " << started.error());
        (*started)->export_environment();
        return std::move(*started);
    }();
    return *instance;
}
}  // namespace

TEST_CASE("HTTP with Kerberos sealing through a real KDC", "[winrm][kerberos][integration]") {
    kdc();
    auto s = mini_wsman_server::start({});
    REQUIRE(s.has_value());
    winrm_transport t(settings_for((*s)->port(), winrm_scheme::http, winrm_auth::kerberos));
    auto connected = t.connect(in_seconds(10));
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());
    for (int i = 0; i < 3; ++i) {
        auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(10));
        REQUIRE(r.has_value());
        CHECK(r->stdout_text.find("Type") != std::string::npos);
    }
    auto big = t.run("big 300000", shell_kind::cmd, in_seconds(30));
    REQUIRE(big.has_value());
    CHECK(big->stdout_text.size() == 300000);
    t.close();
    CHECK((*s)->counters().connections == 1);
    CHECK((*s)->counters().authentications == 1);
    CHECK((*s)->counters().shells == 1);
}

TEST_CASE("Kerberos to an IP or unknown SPN says what Kerberos needs", "[winrm][kerberos][integration]") {
    kdc();
    auto s = mini_wsman_server::start({});
    REQUIRE(s.has_value());
    auto settings = settings_for((*s)->port(), winrm_scheme::http, winrm_auth::kerberos);
    settings.host_name = "127.0.0.1";
    winrm_transport t(settings);
    auto r = t.connect(in_seconds(10));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::auth);
    CHECK(r.error().message.find("FQDN") != std::string::npos);
}

// negotiate sends SPNEGO, which this test server's acceptor does not speak
// past Kerberos: the NTLM fallback inside SPNEGO is tested against the lab
// ("winrm-negotiate: SPNEGO-wrapped NTLM where Kerberos cannot work").
TEST_CASE("negotiate uses Kerberos where the host has an SPN", "[winrm][kerberos][integration]") {
    kdc();
    auto s = mini_wsman_server::start({});
    REQUIRE(s.has_value());
    winrm_transport kerberos(settings_for((*s)->port(), winrm_scheme::http, winrm_auth::negotiate));
    REQUIRE(kerberos.connect(in_seconds(10)).has_value());
    REQUIRE(kerberos.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(10)).has_value());
    CHECK(kerberos.stats().authentications == 1);
}
