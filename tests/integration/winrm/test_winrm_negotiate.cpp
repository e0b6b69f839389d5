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

// 1: HTTP, Kerberos keytab entry (the only SPN in the realm); 2: HTTP and
// 3: HTTPS without an SPN: Kerberos cannot work there, NTLM can.
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

lab::host_counters negotiate_on(unsigned n) {
    const auto name = lab::format_host_name("ng{n:02}.lab.example", n);
    REQUIRE(env().fleet->find(name) != nullptr);
    auto settings = test::lab_host_settings(*env().fleet, name, "LAB\\Administrator", password);
    settings.winrm.auth = winrm_auth::negotiate;
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

TEST_CASE("Negotiate: SPNEGO-wrapped Kerberos where the host has an SPN", "[winrm][kerberos][integration]") {
    const auto c = negotiate_on(1);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.spnego_logons == 1);
    CHECK(c.kerberos_logons == 1);
    CHECK(c.shells == 1);
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
