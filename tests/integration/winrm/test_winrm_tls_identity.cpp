// Which name an HTTPS certificate must hold, against the lab's certificates:
// the inventory name, the address dialed (IP SAN), or winrm.tls_server_name
// (also sent as SNI, and the default Kerberos service); and the words for an
// expired or self-signed listener certificate.
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

namespace {

constexpr const char* password = "Lab-Passw0rd-78";

// Hosts 1-5 HTTPS+NTLM, 6 HTTP+Kerberos (its SPN is the FQDN of the pattern).
const char* scenario = R"toml(
name = "tls-identity"
hosts = 6
name_pattern = "tls{n:02}.lab.example"
domain = "LAB"
user = "Administrator"
password = "Lab-Passw0rd-78"

[[group]]
name = "https-ntlm"
scheme = "https"
auth = "ntlm"
weight = 5

[[group]]
name = "http-kerberos"
scheme = "http"
auth = "kerberos"
weight = 1

[[fault]]
kind = "certificate-address-only"
hosts = [2]

[[fault]]
kind = "certificate-other-name"
hosts = [3]
certificate_name = "web{n}.corp.example"

[[fault]]
kind = "certificate-expired"
hosts = [4]

[[fault]]
kind = "certificate-self-signed"
hosts = [5]
)toml";

test::lab_with_kdc& env() {
    static test::lab_with_kdc e = [] {
        test::lab_with_kdc_options o;
        o.scenario_text = scenario;
        o.name_pattern = "tls{n:02}.lab.example";
        o.hosts = 6;
        o.password = password;
        o.address_prefix = "127.231.";
        auto started = test::lab_with_kdc::start(o);
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return e;
}

connection_settings settings_for(unsigned n) {
    const auto name = lab::format_host_name("tls{n:02}.lab.example", n);
    REQUIRE(env().fleet->find(name) != nullptr);
    return test::lab_host_settings(*env().fleet, name, "LAB\\Administrator", password);
}

using test::in_seconds;

/// Connects and runs `hostname`; the error message when either fails.
std::string connect_and_run(const connection_settings& settings) {
    winrm_transport t(settings);
    if (auto c = t.connect(in_seconds(30)); !c) return c.error().message;
    auto r = t.run("hostname", shell_kind::cmd, in_seconds(15));
    if (!r) return r.error().message;
    t.close();
    return {};
}

}  // namespace

TEST_CASE("TLS: a certificate for the inventory name is accepted, and SNI carries that name", "[winrm][tls][integration]") {
    auto settings = settings_for(1);
    CHECK(connect_and_run(settings).empty());
    CHECK(env().fleet->last_server_name(settings.host_name) == settings.host_name);
    const auto c = env().fleet->counters(settings.host_name);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.shells == 1);
}

TEST_CASE("TLS: a certificate for the address dialed (IP SAN only) is accepted", "[winrm][tls][integration]") {
    auto settings = settings_for(2);
    const auto message = connect_and_run(settings);
    INFO(message);
    CHECK(message.empty());
}

TEST_CASE("TLS: a certificate for another FQDN needs tls_server_name, which is also sent as SNI", "[winrm][tls][integration]") {
    auto settings = settings_for(3);
    const auto refused = connect_and_run(settings);
    INFO(refused);
    // The names tried, the names the certificate holds, and the key to set.
    CHECK(refused.find("tls03.lab.example") != std::string::npos);
    CHECK(refused.find(settings.address) != std::string::npos);
    CHECK(refused.find("DNS:web3.corp.example") != std::string::npos);
    CHECK(refused.find("tls_server_name") != std::string::npos);

    settings.winrm.tls_server_name = "web3.corp.example";
    CHECK(connect_and_run(settings).empty());
    CHECK(env().fleet->last_server_name(settings.host_name) == "web3.corp.example");
}

TEST_CASE("TLS: an explicit tls_server_name is the only name accepted", "[winrm][tls][integration]") {
    auto settings = settings_for(1);
    settings.winrm.tls_server_name = "elsewhere.corp.example";
    const auto refused = connect_and_run(settings);
    INFO(refused);
    CHECK(refused.find("elsewhere.corp.example") != std::string::npos);
    CHECK(refused.find("DNS:tls01.lab.example") != std::string::npos);
    CHECK(refused.find("tls_server_name") != std::string::npos);
}

TEST_CASE("TLS: an expired listener certificate says to renew and rebind it", "[winrm][tls][integration]") {
    winrm_transport t(settings_for(4));
    auto r = t.connect(in_seconds(30));
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK(r.error().kind == error_kind::tls);
    CHECK(r.error().message.find("expired") != std::string::npos);
    CHECK(r.error().message.find("not after") != std::string::npos);
    CHECK(r.error().message.find("CertificateThumbprint") != std::string::npos);
}

TEST_CASE("TLS: a self-signed listener certificate says to issue one from a CA or trust it in ca_file", "[winrm][tls][integration]") {
    winrm_transport t(settings_for(5));
    auto r = t.connect(in_seconds(30));
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK(r.error().kind == error_kind::tls);
    CHECK(r.error().message.find("self-signed") != std::string::npos);
    CHECK(r.error().message.find("ca_file") != std::string::npos);
}

TEST_CASE("Kerberos: the default service follows tls_server_name, else the inventory name", "[winrm][tls][kerberos][integration]") {
    auto settings = settings_for(6);
    settings.host_name = "tls06";  // a short inventory name: no SPN HTTP/tls06 in the realm
    const auto refused = connect_and_run(settings);
    INFO(refused);
    CHECK(refused.find("HTTP@tls06") != std::string::npos);
    settings.winrm.tls_server_name = "tls06.lab.example";
    const auto message = connect_and_run(settings);
    INFO(message);
    CHECK(message.empty());
}
