// Which names an HTTPS certificate is checked against, and the SNI sent.
#include "transports/winrm/tls_identity.hpp"
#include "transports/winrm/winrm_channel.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::winrm;

namespace {
connection_settings named(std::string host, std::string address, std::string tls_name = {}) {
    connection_settings s;
    s.host_name = std::move(host);
    s.address = std::move(address);
    s.winrm.tls_server_name = std::move(tls_name);
    return s;
}
}  // namespace

TEST_CASE("the certificate may hold the inventory name or the address dialed", "[winrm][tls][unit]") {
    CHECK(accepted_tls_names(named("web07", "10.1.0.7")) == std::vector<std::string>{"web07", "10.1.0.7"});
    CHECK(accepted_tls_names(named("web07", "web07.dc1.corp.example")) ==
          std::vector<std::string>{"web07", "web07.dc1.corp.example"});
    // No address, or the same name in another case: one name.
    CHECK(accepted_tls_names(named("web07.corp.example", "")) == std::vector<std::string>{"web07.corp.example"});
    CHECK(accepted_tls_names(named("web07.corp.example", "WEB07.corp.example")) ==
          std::vector<std::string>{"web07.corp.example"});
}

TEST_CASE("an explicit tls_server_name is the only name accepted", "[winrm][tls][unit]") {
    CHECK(accepted_tls_names(named("web07", "10.1.0.7", "web07.dc1.corp.example")) ==
          std::vector<std::string>{"web07.dc1.corp.example"});
}

TEST_CASE("SNI carries the first DNS name, never an IP", "[winrm][tls][unit]") {
    CHECK(sni_name({"web07", "10.1.0.7"}) == "web07");
    CHECK(sni_name({"10.1.0.7", "web07.corp.example"}) == "web07.corp.example");
    CHECK(sni_name({"10.1.0.7"}).empty());
    CHECK(sni_name({"2001:db8::7"}).empty());
    CHECK(is_ip_literal("2001:db8::7"));
    CHECK_FALSE(is_ip_literal("web07"));
}

TEST_CASE("the default Kerberos service follows spn, then tls_server_name, then the inventory name", "[winrm][kerberos][unit]") {
    auto s = named("web07", "10.1.0.7");
    CHECK(default_target(s) == "HTTP@web07");
    s.winrm.tls_server_name = "web07.dc1.corp.example";
    CHECK(default_target(s) == "HTTP@web07.dc1.corp.example");
    s.winrm.spn = "HTTP/web07.dc1.corp.example@CORP.EXAMPLE";
    CHECK(default_target(s) == "HTTP/web07.dc1.corp.example@CORP.EXAMPLE");
}

TEST_CASE("a name mismatch lists the names tried and held, and names tls_server_name", "[winrm][tls][unit]") {
    const auto m = name_mismatch_message("web07 (10.1.0.7:5986)", {"web07", "10.1.0.7"}, "DNS:web07.dc1.corp.example", false);
    CHECK(m.find("web07, 10.1.0.7") != std::string::npos);
    CHECK(m.find("DNS:web07.dc1.corp.example") != std::string::npos);
    CHECK(m.find("tls_server_name") != std::string::npos);
}
