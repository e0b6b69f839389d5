// auth = "negotiate" as Windows offers it, against the lab behind a real KDC:
// SPNEGO-wrapped Kerberos where the host has an SPN, SPNEGO-wrapped NTLM where
// it has none; sealed with the protocol of the Negotiate scheme. Counted on
// the lab side (logons, SPNEGO, Kerberos).
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

namespace {

constexpr const char* password = "Lab-Passw0rd-82";

// 1: HTTP, Kerberos keytab entry (the only SPN in the realm), NTLM refused
// (Restrict NTLM): only Kerberos logs on; 2: HTTP and 3: HTTPS without an
// SPN: Kerberos cannot work there, only NTLM can.
const char* scenario = R"toml(
name = "negotiate"
hosts = 3
name_pattern = "ng{n:02}.lab.example"
domain = "LAB"
user = "Administrator"
password = "Lab-Passw0rd-82"

[[group]]
name = "http-kerberos"
scheme = "http"
auth = "kerberos"

[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"

[[group]]
name = "https-ntlm"
scheme = "https"
auth = "ntlm"

[[fault]]
kind = "ntlm-refused"
hosts = [1]
)toml";

test::lab_with_kdc& env() {
    static test::lab_with_kdc e = [] {
        test::lab_with_kdc_options o;
        o.scenario_text = scenario;
        o.name_pattern = "ng{n:02}.lab.example";
        o.hosts = 1;  // an SPN for ng01 only
        o.password = password;
        o.address_prefix = "127.238.";
        auto started = test::lab_with_kdc::start(o);
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return e;
}

connection_settings settings_for(unsigned n, winrm_auth auth) {
    const auto name = lab::format_host_name("ng{n:02}.lab.example", n);
    REQUIRE(env().fleet->find(name) != nullptr);
    auto settings = test::lab_host_settings(*env().fleet, name, "LAB\\Administrator", password);
    settings.winrm.auth = auth;
    return settings;
}

lab::host_counters negotiate_on(unsigned n) {
    const auto settings = settings_for(n, winrm_auth::negotiate);
    const auto& name = settings.host_name;
    winrm_transport t(settings);
    auto c = t.connect(test::in_seconds(30));
    INFO((c ? std::string() : c.error().message));
    REQUIRE(c.has_value());
    for (int i = 0; i < 2; ++i) {
        auto r = t.run("hostname", shell_kind::cmd, test::in_seconds(15));
        INFO((r ? std::string() : r.error().message));
        REQUIRE(r.has_value());
        CHECK(r->stdout_text == "NG0" + std::to_string(n) + "\r\n");
    }
    t.close();
    return env().fleet->counters(name);
}

}  // namespace

TEST_CASE("Negotiate: SPNEGO-wrapped Kerberos where the host has an SPN and refuses NTLM", "[winrm][kerberos][integration]") {
    const auto c = negotiate_on(1);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.spnego_logons == 1);
    CHECK(c.kerberos_logons == 1);
    CHECK(c.auth_failures == 0);  // Kerberos first: the refused NTLM was never tried
    CHECK(c.shells == 1);
}

TEST_CASE("Negotiate: auth = ntlm against a host that refuses NTLM says to use Kerberos", "[winrm][kerberos][integration]") {
    const auto before = env().fleet->counters(lab::format_host_name("ng{n:02}.lab.example", 1));
    winrm_transport t(settings_for(1, winrm_auth::ntlm));
    auto c = t.connect(test::in_seconds(30));
    REQUIRE_FALSE(c.has_value());
    INFO(c.error().message);
    CHECK(c.error().kind == error_kind::auth);
    CHECK_THAT(c.error().message, Catch::Contains("Restrict NTLM"));
    CHECK_THAT(c.error().message, Catch::Contains("auth = \"negotiate\""));
    const auto after = env().fleet->counters(settings_for(1, winrm_auth::ntlm).host_name);
    CHECK(after.auth_failures == before.auth_failures + 1);
    CHECK(after.shells == before.shells);  // nothing ran
}

TEST_CASE("Negotiate: SPNEGO-wrapped NTLM where Kerberos cannot work, over HTTP and HTTPS", "[winrm][kerberos][integration]") {
    for (unsigned n : {2u, 3u}) {
        INFO("host " << n);
        const auto c = negotiate_on(n);
        CHECK(c.connections == 1);
        CHECK(c.authentications == 1);
        CHECK(c.spnego_logons == 1);
        CHECK(c.kerberos_logons == 0);
        CHECK(c.auth_failures == 0);
        CHECK(c.shells == 1);
    }
}
