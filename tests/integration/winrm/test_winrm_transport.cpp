// The WinRM transport against a WinRM service on loopback: real sockets, TLS,
// GSSAPI NTLM (gss-ntlmssp) with sealing and channel bindings.
#include "tests/integration/winrm/mini_wsman_server.hpp"
#include "tests/integration/winrm/winrm_test_env.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::test;

namespace {

std::unique_ptr<mini_wsman_server> server(mini_server_options options = {}) {
    const auto& env = winrm_test_env::get();
    if (options.tls) {
        options.cert_file = env.cert_file;
        options.key_file = env.key_file;
    }
    auto s = mini_wsman_server::start(options);
    REQUIRE(s.has_value());
    return std::move(*s);
}

mini_server_options tls_options() {
    mini_server_options o;
    o.tls = true;
    return o;
}

// Runs the Teredo playbook's commands as the engine would: capture, apply, verify.
void run_teredo_steps(transport& t) {
    auto before = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(20));
    REQUIRE(before.has_value());
    CHECK(before->stdout_text.find("Type                    : default") != std::string::npos);
    auto apply = t.run("netsh interface teredo set state type=disabled", shell_kind::cmd, in_seconds(20));
    REQUIRE(apply.has_value());
    CHECK(apply->exit_code == 0);
    CHECK(apply->stdout_text.starts_with("Ok."));
    auto after = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(20));
    REQUIRE(after.has_value());
    CHECK(after->stdout_text.find("Type                    : disabled") != std::string::npos);
}

}  // namespace

TEST_CASE("HTTP with NTLM sealing: one connection, one logon, one shell for all steps", "[winrm][integration]") {
    auto s = server();
    winrm_transport t(settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm));
    REQUIRE(t.connect(in_seconds(10)).has_value());
    run_teredo_steps(t);
    auto failed = t.run("fail", shell_kind::cmd, in_seconds(10));
    REQUIRE(failed.has_value());
    CHECK(failed->exit_code == 3);
    CHECK(failed->stderr_text == "boom\r\n");
    t.close();
    CHECK(s->counters().connections == 1);
    CHECK(s->counters().authentications == 1);
    CHECK(s->counters().shells == 1);
    CHECK(s->counters().commands == 4);
    auto stats = t.stats();
    CHECK(stats.connections == 1);
    CHECK(stats.authentications == 1);
    CHECK(stats.shells == 1);
    CHECK(stats.commands == 4);
}

TEST_CASE("HTTPS with NTLM sends channel bindings the host verifies", "[winrm][integration]") {
    auto s = server(tls_options());
    winrm_transport t(settings_for(s->port(), winrm_scheme::https, winrm_auth::ntlm));
    auto connected = t.connect(in_seconds(10));
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());
    run_teredo_steps(t);
    CHECK(s->counters().authentications == 1);
    CHECK(s->counters().connections == 1);
}

TEST_CASE("HTTPS with Basic", "[winrm][integration]") {
    auto options = tls_options();
    options.allow_basic = true;
    options.basic_user = "Administrator";
    options.basic_password = lab_password;
    auto s = server(options);
    auto settings = settings_for(s->port(), winrm_scheme::https, winrm_auth::basic);
    settings.user = "Administrator";
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(10)).has_value());
    run_teredo_steps(t);
    CHECK(s->counters().connections == 1);
    CHECK(s->counters().authentications == 1);
    CHECK(s->counters().shells == 1);
}

TEST_CASE("Basic over plain HTTP is refused before any traffic", "[winrm][integration]") {
    auto s = server();
    winrm_transport t(settings_for(s->port(), winrm_scheme::http, winrm_auth::basic));
    auto r = t.connect(in_seconds(5));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::config);
    CHECK(r.error().message.find("clear text") != std::string::npos);
    CHECK(s->counters().connections == 0);
}

TEST_CASE("A command longer than OperationTimeout completes", "[winrm][integration]") {
    auto s = server();
    auto settings = settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm);
    settings.command_timeout = std::chrono::seconds(8);  // OperationTimeout becomes 2 s
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(10)).has_value());
    auto r = t.run("sleep 4500", shell_kind::cmd, in_seconds(15));
    REQUIRE(r.has_value());
    CHECK(r->stdout_text == "slept\r\n");
    CHECK(s->counters().timeouts >= 1);
    CHECK(s->counters().connections == 1);
}

TEST_CASE("Several MB of output arrive whole, and the cap keeps totals", "[winrm][integration]") {
    auto s = server();
    auto settings = settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm);
    settings.max_output_bytes = 8u << 20;
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(10)).has_value());
    const std::size_t n = 5'000'000;
    auto started = clock_type::now();
    auto r = t.run("big " + std::to_string(n), shell_kind::cmd, in_seconds(60));
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    REQUIRE(r.has_value());
    REQUIRE(r->stdout_text.size() == n);
    CHECK(r->stdout_total_bytes == n);
    bool intact = true;
    for (std::size_t i = 0; i < n && intact; ++i) intact = r->stdout_text[i] == static_cast<char>('a' + (i * 7 + i / 991) % 26);
    CHECK(intact);
    WARN("5 MB over sealed HTTP took " << elapsed.count() << " ms");

    winrm_transport capped([&] {
        auto c = settings;
        c.max_output_bytes = 1000;
        return c;
    }());
    REQUIRE(capped.connect(in_seconds(10)).has_value());
    auto small = capped.run("big 200000", shell_kind::cmd, in_seconds(30));
    REQUIRE(small.has_value());
    CHECK(small->stdout_text.size() == 1000);
    CHECK(small->stdout_total_bytes == 200000);
}

TEST_CASE("A wrong password is an auth error with likely causes", "[winrm][integration]") {
    auto s = server();
    auto settings = settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm);
    settings.password = secret{"not-the-password"};
    winrm_transport t(settings);
    auto r = t.connect(in_seconds(10));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::auth);
    CHECK(r.error().message.find("rejected") != std::string::npos);
    CHECK(r.error().message.find("LocalAccountTokenFilterPolicy") != std::string::npos);
    CHECK(r.error().message.find("not-the-password") == std::string::npos);
}

TEST_CASE("A certificate that does not verify is a TLS error naming it", "[winrm][integration]") {
    auto s = server(tls_options());
    SECTION("unknown issuer") {
        auto settings = settings_for(s->port(), winrm_scheme::https, winrm_auth::ntlm);
        settings.winrm.ca_file = winrm_test_env::get().other_cert;
        winrm_transport t(settings);
        auto r = t.connect(in_seconds(10));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::tls);
        CHECK(r.error().message.find("CN=win01.lab.example") != std::string::npos);
        CHECK(r.error().message.find("ca_file") != std::string::npos);
    }
    SECTION("name mismatch") {
        // Neither the inventory name nor the address dialed is in the certificate.
        auto settings = settings_for(s->port(), winrm_scheme::https, winrm_auth::ntlm);
        settings.host_name = "win02.lab.example";
        settings.address = "localhost";
        winrm_transport t(settings);
        auto r = t.connect(in_seconds(10));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::tls);
        CHECK(r.error().message.find("win02.lab.example, localhost") != std::string::npos);
        CHECK(r.error().message.find("DNS:win01.lab.example, IP:127.0.0.1") != std::string::npos);
        CHECK(r.error().message.find("mismatch") != std::string::npos);
    }
    SECTION("the address dialed matches the certificate's IP SAN") {
        auto settings = settings_for(s->port(), winrm_scheme::https, winrm_auth::ntlm);
        settings.host_name = "win02.lab.example";
        winrm_transport t(settings);
        auto r = t.connect(in_seconds(10));
        INFO((r ? std::string() : r.error().message));
        CHECK(r.has_value());
    }
    SECTION("insecure skips verification") {
        auto settings = settings_for(s->port(), winrm_scheme::https, winrm_auth::ntlm);
        settings.winrm.ca_file = winrm_test_env::get().other_cert;
        settings.winrm.insecure = true;
        winrm_transport t(settings);
        CHECK(t.connect(in_seconds(10)).has_value());
    }
}

TEST_CASE("A WS-Man fault keeps the host's code and words", "[winrm][integration]") {
    mini_server_options options;
    options.fault_on_create = true;
    auto s = server(options);
    winrm_transport t(settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm));
    auto r = t.connect(in_seconds(10));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::remote_fault);
    CHECK(r.error().message.find("2144108120") != std::string::npos);
    CHECK(r.error().message.find("maximum number of 5 concurrent shells") != std::string::npos);
    CHECK(r.error().message.find("500") == std::string::npos);
}

TEST_CASE("The shell is reopened once when the host's per-shell command quota is hit", "[winrm][integration]") {
    mini_server_options options;
    options.shell_command_limit = 2;
    auto s = server(options);
    winrm_transport t(settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm));
    REQUIRE(t.connect(in_seconds(10)).has_value());
    for (int i = 0; i < 3; ++i) REQUIRE(t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(10)).has_value());
    CHECK(t.stats().shells == 2);
    CHECK(t.stats().connections == 1);
    CHECK(s->counters().commands == 3);
}

TEST_CASE("A command past its deadline is a timeout, on time", "[winrm][integration]") {
    auto s = server();
    auto settings = settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm);
    settings.command_timeout = std::chrono::seconds(4);
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(10)).has_value());
    auto started = clock_type::now();
    auto r = t.run("sleep 60000", shell_kind::cmd, in_seconds(3));
    auto elapsed = clock_type::now() - started;
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::timeout);
    CHECK(elapsed < std::chrono::seconds(8));
    // The connection and shell stay usable for the next step.
    CHECK(t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(10)).has_value());
}

TEST_CASE("PowerShell goes encoded and its CLIXML errors come back as text", "[winrm][integration]") {
    auto s = server();
    winrm_transport t(settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm));
    REQUIRE(t.connect(in_seconds(10)).has_value());
    auto r = t.run("Get-NetTeredoConfiguration | Select-Object -ExpandProperty Type", shell_kind::powershell, in_seconds(10));
    REQUIRE(r.has_value());
    CHECK(r->stdout_text == "$ProgressPreference='SilentlyContinue';Get-NetTeredoConfiguration | Select-Object -ExpandProperty Type");
    CHECK(r->stderr_text == "Write-Error : denied\n");
    // A script too long for a command line goes over stdin: test_winrm_long_scripts.cpp (the lab has Send).
    auto sh = t.run("uname", shell_kind::sh, in_seconds(10));
    REQUIRE_FALSE(sh.has_value());
    CHECK(sh.error().kind == error_kind::config);
}

TEST_CASE("Nothing listening is unreachable, quickly", "[winrm][integration]") {
    std::uint16_t port = 0;
    {
        auto s = server();
        port = s->port();
    }
    winrm_transport t(settings_for(port, winrm_scheme::http, winrm_auth::ntlm));
    auto r = t.connect(in_seconds(10));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::unreachable);
    CHECK(r.error().message.find("refused") != std::string::npos);
}

TEST_CASE("Certificate auth presents the client certificate over TLS", "[winrm][integration]") {
    const auto& env = winrm_test_env::get();
    auto options = tls_options();
    options.client_ca_file = env.client_cert;
    auto s = server(options);
    auto settings = settings_for(s->port(), winrm_scheme::https, winrm_auth::certificate);
    settings.winrm.cert_file = env.client_cert;
    settings.winrm.key_file = env.client_key;
    winrm_transport t(settings);
    auto connected = t.connect(in_seconds(10));
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());
    run_teredo_steps(t);
    CHECK(s->counters().authentications == 1);

    SECTION("without a certificate the handshake fails as a TLS error") {
        auto plain = settings_for(s->port(), winrm_scheme::https, winrm_auth::ntlm);
        winrm_transport no_cert(plain);
        auto r = no_cert.connect(in_seconds(10));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().message);
        CHECK(r.error().kind == error_kind::tls);
        CHECK(r.error().message.find("certificate") != std::string::npos);
    }
    SECTION("certificate auth without cert_file is a config error") {
        auto missing = settings;
        missing.winrm.cert_file.clear();
        winrm_transport no_file(missing);
        auto r = no_file.connect(in_seconds(10));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::config);
        CHECK(r.error().message.find("cert_file") != std::string::npos);
    }
}

TEST_CASE("Fifty steps still cost one connection, one logon and one shell", "[winrm][integration]") {
    auto s = server();
    winrm_transport t(settings_for(s->port(), winrm_scheme::http, winrm_auth::ntlm));
    auto started = clock_type::now();
    REQUIRE(t.connect(in_seconds(10)).has_value());
    auto connected = clock_type::now();
    for (int i = 0; i < 50; ++i) REQUIRE(t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(10)).has_value());
    auto done = clock_type::now();
    t.close();
    CHECK(s->counters().connections == 1);
    CHECK(s->counters().authentications == 1);
    CHECK(s->counters().shells == 1);
    CHECK(s->counters().commands == 50);
    using ms = std::chrono::duration<double, std::milli>;
    WARN("connect+logon+shell " << ms(connected - started).count() << " ms; per step (Command, Receive, Signal) "
                                << ms(done - connected).count() / 50 << " ms over sealed HTTP");
}
