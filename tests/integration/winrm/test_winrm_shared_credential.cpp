// One credential per run, shared by many hosts on many threads (for speed):
// real gss-ntlmssp and MIT krb5 (real KDC) initiators against the lab's real
// acceptors over loopback. Each host must still cost one connection, one
// logon and one shell, with its own security context and sealing keys.
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/gss_credential_cache.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

#include <barrier>
#include <filesystem>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace fleetmend;

namespace {

constexpr const char* password = "Shared-Passw0rd-31";
constexpr unsigned ntlm_hosts = 48;
constexpr unsigned kerberos_hosts = 12;

std::string scenario_text() {
    return std::string(R"toml(
name = "winrm-shared-credential"
hosts = )toml") + std::to_string(ntlm_hosts + kerberos_hosts) +
           R"toml(
name_pattern = "sc{n:03}.lab.example"
domain = "LAB"
user = "Administrator"
password = "Shared-Passw0rd-31"

[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"
weight = 4

[[group]]
name = "http-kerberos"
scheme = "http"
auth = "kerberos"
weight = 1

[types]
default = 1
)toml";
}

test::lab_with_kdc& env() {
    static test::lab_with_kdc e = [] {
        test::lab_with_kdc_options o;
        o.scenario_text = scenario_text();
        o.name_pattern = "sc{n:03}.lab.example";
        o.hosts = ntlm_hosts + kerberos_hosts;
        o.password = password;
        o.address_prefix = "127.233.";
        auto started = test::lab_with_kdc::start(o);
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return e;
}

deadline in_seconds(int n) { return clock_type::now() + std::chrono::seconds(n); }

// The hosts of one auth kind, with their connection settings.
std::vector<connection_settings> hosts_with(lab::lab_auth auth) {
    std::vector<connection_settings> out;
    auto& fleet = *env().fleet;
    for (unsigned n = 1; n <= ntlm_hosts + kerberos_hosts; ++n) {
        const auto* spec = fleet.find(lab::format_host_name("sc{n:03}.lab.example", n));
        REQUIRE(spec != nullptr);
        if (spec->auth != auth) continue;
        connection_settings s;
        s.host_name = spec->name;
        s.address = spec->address;
        s.user = "LAB\\Administrator";
        s.password = secret{password};
        s.connect_timeout = std::chrono::seconds(10);
        s.command_timeout = std::chrono::seconds(30);
        s.winrm.scheme = winrm_scheme::http;
        s.winrm.auth = auth == lab::lab_auth::kerberos ? winrm_auth::kerberos : winrm_auth::ntlm;
        out.push_back(std::move(s));
    }
    return out;
}

// Every host on its own thread: all connect (and so authenticate) first and
// hold their connections open together, then each runs two sealed commands
// and closes. Returns the error per host (empty: fine).
std::vector<std::string> run_all_at_once(const std::vector<connection_settings>& hosts) {
    std::vector<std::string> failures(hosts.size());
    std::barrier all_connected(static_cast<std::ptrdiff_t>(hosts.size()));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        threads.emplace_back([i, &hosts, &failures, &all_connected] {
            winrm_transport t(hosts[i]);
            auto connected = t.connect(in_seconds(60));
            all_connected.arrive_and_wait();
            if (!connected) {
                failures[i] = "connect: " + connected.error().message;
                return;
            }
            for (const char* command : {"netsh interface teredo show state", "netsh interface teredo set state type=disabled"}) {
                auto r = t.run(command, shell_kind::cmd, in_seconds(60));
                if (!r) {
                    failures[i] = std::string(command) + ": " + r.error().message;
                    return;
                }
            }
            t.close();
        });
    }
    for (auto& t : threads) t.join();
    return failures;
}

void check_many_hosts_on_one_credential(lab::lab_auth auth) {
    auto hosts = hosts_with(auth);
    REQUIRE(hosts.size() >= 10);
    std::vector<lab::host_counters> before;
    for (const auto& h : hosts) before.push_back(env().fleet->counters(h.host_name));
    const auto acquired_before = winrm::credential_acquisitions();

    auto failures = run_all_at_once(hosts);

    // Connections overlapped, so one acquisition served them all.
    CHECK(winrm::credential_acquisitions() - acquired_before == 1);
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        INFO(hosts[i].host_name << ": " << failures[i]);
        CHECK(failures[i].empty());
        auto after = env().fleet->counters(hosts[i].host_name);
        CHECK(after.connections - before[i].connections == 1);
        CHECK(after.authentications - before[i].authentications == 1);
        CHECK(after.shells - before[i].shells == 1);
        CHECK(after.commands - before[i].commands == 2);
        CHECK(env().fleet->current_type(hosts[i].host_name) == lab::teredo_type::disabled);
    }
}

}  // namespace

TEST_CASE("Shared credential: ~48 NTLM hosts, one thread each, use one credential and each its own logon",
          "[winrm][lab][integration]") {
    check_many_hosts_on_one_credential(lab::lab_auth::ntlm);
}

TEST_CASE("Shared credential: ~12 Kerberos hosts, one thread each, use one ticket-granting credential",
          "[winrm][lab][integration]") {
    check_many_hosts_on_one_credential(lab::lab_auth::kerberos);
}

TEST_CASE("Shared credential: another password is another credential, and a rejected one is not reused",
          "[winrm][lab][integration]") {
    auto hosts = hosts_with(lab::lab_auth::ntlm);
    REQUIRE(hosts.size() >= 2);
    const auto acquired_before = winrm::credential_acquisitions();
    auto wrong = hosts[0];
    wrong.password = secret{"not-the-password"};
    {
        winrm_transport t(wrong);
        auto r = t.connect(in_seconds(30));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::auth);
        CHECK(r.error().message.find("not-the-password") == std::string::npos);
    }
    {
        winrm_transport t(hosts[1]);  // the right password right after: its own credential, accepted
        auto r = t.connect(in_seconds(30));
        INFO((r ? std::string() : r.error().message));
        CHECK(r.has_value());
    }
    CHECK(winrm::credential_acquisitions() - acquired_before == 2);
}
