// The WinRM transport against the lab's simulated Windows hosts (transports/lab):
// the Teredo steps over HTTP+NTLM sealing, HTTPS+NTLM, HTTPS+Basic and
// HTTP+Kerberos (real KDC), counted on the lab side; and the lab's faults.
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace fleetmend;

namespace {

constexpr const char* password = "Lab-Passw0rd-77";

const char* scenario = R"toml(
name = "winrm-transport"
hosts = 8
address_base = "127.235.0.1"
name_pattern = "win{n:03}.lab.example"
domain = "LAB"
user = "Administrator"
password = "Lab-Passw0rd-77"

[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"

[[group]]
name = "https-ntlm"
scheme = "https"
auth = "ntlm"

[[group]]
name = "https-basic"
scheme = "https"
auth = "basic"

[[group]]
name = "http-kerberos"
scheme = "http"
auth = "kerberos"

[types]
default = 1

[[fault]]
kind = "wrong-password"
hosts = [5]

[[fault]]
kind = "wsman-fault"
hosts = [6]

[[fault]]
kind = "hang"
hosts = [7]

[[fault]]
kind = "drop"
hosts = [8]
)toml";

// One KDC and one lab per process: gss-ntlmssp reads its user file once.
test::lab_with_kdc& env() {
    static test::lab_with_kdc e = [] {
        test::lab_with_kdc_options o;
        o.scenario_text = scenario;
        o.name_pattern = "win{n:03}.lab.example";
        o.hosts = 8;
        o.password = password;
        o.address_prefix = "127.235.";
        auto started = test::lab_with_kdc::start(o);
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return e;
}

connection_settings settings_for(unsigned n) {
    auto& fleet = *env().fleet;
    auto name = lab::format_host_name("win{n:03}.lab.example", n);
    const auto* spec = fleet.find(name);
    REQUIRE(spec != nullptr);
    connection_settings s;
    s.host_name = spec->name;
    s.address = spec->address;
    s.user = spec->auth == lab::lab_auth::basic ? "Administrator" : "LAB\\Administrator";
    s.password = secret{password};
    s.connect_timeout = std::chrono::seconds(5);
    s.command_timeout = std::chrono::seconds(12);
    s.winrm.scheme = spec->scheme == lab::lab_scheme::https ? winrm_scheme::https : winrm_scheme::http;
    s.winrm.auth = spec->auth == lab::lab_auth::basic      ? winrm_auth::basic
                   : spec->auth == lab::lab_auth::kerberos ? winrm_auth::kerberos
                                                           : winrm_auth::ntlm;
    s.winrm.ca_file = fleet.ca_file();
    return s;
}

deadline in_seconds(int n) { return clock_type::now() + std::chrono::seconds(n); }

void teredo_playbook_over(unsigned n) {
    auto settings = settings_for(n);
    INFO(settings.host_name << " " << (settings.winrm.scheme == winrm_scheme::https ? "https" : "http") << " auth "
                            << static_cast<int>(settings.winrm.auth));
    const auto before = env().fleet->counters(settings.host_name);
    winrm_transport t(settings);
    auto connected = t.connect(in_seconds(15));
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());
    // capture, apply, verify x2, and a PowerShell verify: five steps, one shell.
    auto capture = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(15));
    REQUIRE(capture.has_value());
    CHECK(capture->stdout_text.find("Type") != std::string::npos);
    auto apply = t.run("netsh interface teredo set state type=disabled", shell_kind::cmd, in_seconds(15));
    REQUIRE(apply.has_value());
    CHECK(apply->exit_code == 0);
    for (int i = 0; i < 2; ++i) {
        auto verify = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(15));
        REQUIRE(verify.has_value());
        CHECK(verify->stdout_text.find("disabled") != std::string::npos);
    }
    auto ps = t.run("(Get-NetTeredoConfiguration).Type", shell_kind::powershell, in_seconds(15));
    REQUIRE(ps.has_value());
    CHECK(ps->exit_code == 0);
    t.close();
    auto counters = env().fleet->counters(settings.host_name);
    CHECK(counters.connections - before.connections == 1);
    CHECK(counters.authentications - before.authentications == 1);
    CHECK(counters.shells - before.shells == 1);
    CHECK(counters.commands - before.commands == 5);
    CHECK(env().fleet->current_type(settings.host_name) == lab::teredo_type::disabled);
}

}  // namespace

TEST_CASE("Lab: Teredo steps over HTTP with NTLM sealing", "[winrm][lab][integration]") { teredo_playbook_over(1); }
TEST_CASE("Lab: Teredo steps over HTTPS with NTLM", "[winrm][lab][integration]") { teredo_playbook_over(2); }
TEST_CASE("Lab: Teredo steps over HTTPS with Basic", "[winrm][lab][integration]") { teredo_playbook_over(3); }
TEST_CASE("Lab: Teredo steps over HTTP with Kerberos sealing", "[winrm][lab][integration]") { teredo_playbook_over(4); }

TEST_CASE("Lab: wrong password, bad certificate and WS-Man fault are distinct, readable errors", "[winrm][lab][integration]") {
    {
        winrm_transport t(settings_for(5));
        auto r = t.connect(in_seconds(15));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::auth);
        CHECK(r.error().message.find("rejected") != std::string::npos);
    }
    {
        auto settings = settings_for(2);
        settings.winrm.ca_file.clear();  // the system store does not know the lab CA
        // Loading the system store's ~140 certificates takes OpenSSL seconds under
        // the sanitizer build (full stack unwinding on each malloc); this case is
        // about the kind of error, not the time.
        settings.connect_timeout = std::chrono::seconds(60);
        winrm_transport t(settings);
        auto r = t.connect(in_seconds(60));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::tls);
        CHECK(r.error().message.find("certificate") != std::string::npos);
    }
    {
        winrm_transport t(settings_for(6));
        auto r = t.connect(in_seconds(15));
        std::expected<exec_result, transport_error> ran = std::unexpected(r ? transport_error{} : r.error());
        if (r) ran = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(15));
        REQUIRE_FALSE(ran.has_value());
        CHECK(ran.error().kind == error_kind::remote_fault);
        CHECK(ran.error().message.find("WS-Man fault") != std::string::npos);
        CHECK(ran.error().message.find("HTTP 500") == std::string::npos);
    }
}

TEST_CASE("Lab: a hanging command times out on our deadline", "[winrm][lab][integration]") {
    auto settings = settings_for(7);
    settings.command_timeout = std::chrono::seconds(4);
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(15)).has_value());
    auto started = clock_type::now();
    auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(4));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::timeout);
    CHECK(clock_type::now() - started < std::chrono::seconds(10));
}

TEST_CASE("Lab: a connection dropped mid-command is a protocol error that says so", "[winrm][lab][integration]") {
    winrm_transport t(settings_for(8));
    REQUIRE(t.connect(in_seconds(15)).has_value());
    auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(10));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::protocol);
    CHECK(r.error().message.find("closed the connection") != std::string::npos);
}

TEST_CASE("Lab: hosts in parallel threads each cost one connection, logon and shell", "[winrm][lab][integration]") {
    env();
    std::vector<lab::host_counters> before;
    for (unsigned n = 1; n <= 4; ++n) before.push_back(env().fleet->counters(settings_for(n).host_name));
    std::vector<std::string> failures(4);
    std::vector<std::thread> threads;
    for (unsigned n = 1; n <= 4; ++n) {
        threads.emplace_back([n, &failures, settings = settings_for(n)] {
            winrm_transport t(settings);
            if (auto c = t.connect(in_seconds(20)); !c) {
                failures[n - 1] = c.error().message;
                return;
            }
            for (int i = 0; i < 3; ++i) {
                auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(20));
                if (!r) {
                    failures[n - 1] = r.error().message;
                    return;
                }
            }
            t.close();
        });
    }
    for (auto& t : threads) t.join();
    for (unsigned n = 1; n <= 4; ++n) {
        INFO("host " << n << ": " << failures[n - 1]);
        CHECK(failures[n - 1].empty());
        auto after = env().fleet->counters(settings_for(n).host_name);
        CHECK(after.connections - before[n - 1].connections == 1);
        CHECK(after.authentications - before[n - 1].authentications == 1);
        CHECK(after.shells - before[n - 1].shells == 1);
        CHECK(after.commands - before[n - 1].commands == 3);
    }
}
