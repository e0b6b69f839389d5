// A hostile or broken host cannot hold fleetmend past a step's deadline nor
// make it keep unbounded memory: slow-loris and never-ending responses end at
// the deadline; oversized headers, envelopes and command output stop at the
// documented caps (transports/winrm/http_connection.hpp: 16 MiB body, 64 KiB
// headers; connection_settings::max_output_bytes per stream per command) with
// a clear error, keeping a bounded excerpt and the total length. WinRM runs
// against tests/hardening/hostile_server (raw sockets on 127.0.0.1), SSH
// against a real sshd (tests/integration/support/sshd_fixture).
#include "tests/hardening/hostile_server.hpp"
#include "tests/integration/support/sshd_fixture.hpp"
#include "transports/transport.hpp"
#include "transports/winrm/http_connection.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

// Memory a hostile stream may add to the process: the caps plus parser and
// allocator slack. Under AddressSanitizer freed memory sits in quarantine
// (256 MB by default), so RSS says nothing there and only the caps are checked.
// (gcc says so with __SANITIZE_ADDRESS__, clang 16 only through __has_feature.)
#if defined(__SANITIZE_ADDRESS__)
constexpr bool rss_is_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool rss_is_meaningful = false;
#else
constexpr bool rss_is_meaningful = true;
#endif
#else
constexpr bool rss_is_meaningful = true;
#endif
constexpr std::uint64_t rss_budget = 96ull << 20;

connection_settings winrm_basic_http(std::uint16_t port) {
    connection_settings s;
    s.host_name = "127.0.0.1";
    s.address = "127.0.0.1";
    s.port = port;
    s.kind = transport_kind::winrm;
    s.user = "Administrator";
    s.password = secret("hostile-test-password");
    s.winrm.scheme = winrm_scheme::http;
    s.winrm.auth = winrm_auth::basic;
    s.winrm.allow_unencrypted = true;  // keeps auth out of the way: the host misbehaves on the first reply
    s.max_output_bytes = 64 * 1024;
    return s;
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct connect_outcome {
    std::expected<void, transport_error> result;
    double seconds;
    std::uint64_t peak_growth;
};

connect_outcome connect_to(hostile_server& server, std::chrono::seconds budget) {
    auto t = make_transport(winrm_basic_http(server.port()));
    reset_peak_rss();
    auto before = peak_rss_bytes();
    auto start = clock_type::now();
    auto result = t->connect(start + budget);
    connect_outcome out{result, seconds_since(start), peak_rss_bytes() - before};
    t->close();
    return out;
}

}  // namespace

TEST_CASE("A WinRM host trickling its response headers (slow-loris) ends at the deadline", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::slow_loris_headers);
    auto out = connect_to(server, 3s);
    REQUIRE_FALSE(out.result.has_value());
    INFO(out.result.error().message);
    CHECK(out.result.error().kind == error_kind::timeout);
    CHECK(out.result.error().message.find("timed out") != std::string::npos);
    CHECK(out.seconds >= 2.5);
    CHECK(out.seconds < 5.0);
}

TEST_CASE("A WinRM host trickling its response body ends at the deadline", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::slow_loris_body);
    auto out = connect_to(server, 3s);
    REQUIRE_FALSE(out.result.has_value());
    INFO(out.result.error().message);
    CHECK(out.result.error().kind == error_kind::timeout);
    CHECK(out.seconds >= 2.5);
    CHECK(out.seconds < 5.0);
}

TEST_CASE("A never-ending chunked WinRM response stops at the body cap", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::endless_chunked);
    auto out = connect_to(server, 20s);
    REQUIRE_FALSE(out.result.has_value());
    INFO(out.result.error().message);
    CHECK(out.result.error().kind == error_kind::protocol);
    CHECK(out.result.error().message.find("size limit") != std::string::npos);
    CHECK(out.seconds < 20.0);  // the cap, not the deadline, ended it
    CHECK(server.bytes_sent() >= winrm::max_response_body);
    if (rss_is_meaningful) CHECK(out.peak_growth < winrm::max_response_body + rss_budget);
}

TEST_CASE("Oversized WinRM response headers are refused at the header cap", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::oversized_headers);
    auto out = connect_to(server, 10s);
    REQUIRE_FALSE(out.result.has_value());
    INFO(out.result.error().message);
    CHECK(out.result.error().kind == error_kind::protocol);
    CHECK(out.result.error().message.find("size limit") != std::string::npos);
    CHECK(out.seconds < 5.0);
}

TEST_CASE("An oversized WinRM envelope is refused from its Content-Length, before it is read", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::oversized_envelope);
    auto out = connect_to(server, 10s);
    REQUIRE_FALSE(out.result.has_value());
    INFO(out.result.error().message);
    CHECK(out.result.error().kind == error_kind::protocol);
    CHECK(out.result.error().message.find("size limit") != std::string::npos);
    CHECK(out.seconds < 5.0);
    if (rss_is_meaningful) CHECK(out.peak_growth < rss_budget);
}

TEST_CASE("A WinRM host sending a malformed NTLM CHALLENGE is refused with what is wrong, before GSSAPI sees it", "[hardening][integration][ntlm]") {
    // The challenge's shape crashed gss-ntlmssp 1.2; reaching GSSAPI would end this process.
    hostile_server server(hostile_behaviour::malformed_ntlm_challenge);
    auto settings = winrm_basic_http(server.port());
    settings.winrm.auth = winrm_auth::ntlm;
    settings.winrm.allow_unencrypted = false;  // NTLM seals the body over plain HTTP
    auto t = make_transport(settings);
    auto result = t->connect(clock_type::now() + 10s);
    t->close();
    REQUIRE_FALSE(result.has_value());
    INFO(result.error().message);
    CHECK(result.error().kind == error_kind::protocol);
    CHECK_THAT(result.error().message, Catch::StartsWith("127.0.0.1: the host sent a malformed NTLM challenge"));
    CHECK_THAT(result.error().message, Catch::Contains("TargetName"));
    CHECK(server.requests() >= 1);
}

TEST_CASE("A WinRM command with endless output ends at its deadline with bounded memory", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::endless_stdout);
    auto t = make_transport(winrm_basic_http(server.port()));
    REQUIRE(t->connect(clock_type::now() + 5s).has_value());
    reset_peak_rss();
    auto before = peak_rss_bytes();
    auto start = clock_type::now();
    auto result = t->run("type endless.txt", shell_kind::cmd, start + 4s);
    auto took = seconds_since(start);
    auto growth = peak_rss_bytes() - before;
    REQUIRE_FALSE(result.has_value());
    INFO(result.error().message);
    CHECK(result.error().kind == error_kind::timeout);
    CHECK(took >= 3.5);
    CHECK(took < 8.0);
    CHECK(server.bytes_sent() > 4u * 64 * 1024);  // the host really kept sending
    if (rss_is_meaningful) CHECK(growth < rss_budget);
    // What it printed before the cut is kept, within the same cap.
    REQUIRE(result.error().partial.has_value());
    CHECK(result.error().partial->stdout_text == std::string(64 * 1024, 'A'));
    CHECK(result.error().partial->stdout_total_bytes > 64u * 1024);
    CHECK(result.error().partial->duration >= 3500ms);
    t->close();
}

TEST_CASE("WinRM output beyond max_output_bytes is dropped and its total length recorded", "[hardening][integration]") {
    hostile_server server(hostile_behaviour::large_stdout);
    auto t = make_transport(winrm_basic_http(server.port()));
    REQUIRE(t->connect(clock_type::now() + 5s).has_value());
    auto result = t->run("type big.txt", shell_kind::cmd, clock_type::now() + 60s);
    REQUIRE(result.has_value());
    CHECK(result->exit_code == 0);
    CHECK(result->stdout_text.size() == 64u * 1024);
    CHECK(result->stdout_total_bytes == 100u * 64 * 1024);
    CHECK(result->stdout_text == std::string(64 * 1024, 'A'));
    t->close();
}

namespace {

struct ssh_host {
    sshd_fixture sshd{{.hosts = 1, .first_host = 231}};

    connection_settings settings() const {
        connection_settings s;
        s.host_name = sshd.addresses().front();
        s.address = s.host_name;
        s.port = sshd.port();
        s.kind = transport_kind::ssh;
        s.user = sshd.key_user();
        s.ssh.identity_file = sshd.user_key().string();
        s.ssh.known_hosts = sshd.known_hosts().string();
        s.ssh.key_policy = host_key_policy::strict;
        s.max_output_bytes = 64 * 1024;
        return s;
    }
};

}  // namespace

TEST_CASE("SSH: a command printing forever ends at its deadline with bounded memory", "[hardening][integration][ssh]") {
    ssh_host host;
    auto t = make_transport(host.settings());
    auto connected = t->connect(clock_type::now() + 10s);
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());

    for (const char* command : {"yes hostile-output", "yes hostile-errors >&2"}) {
        DYNAMIC_SECTION(command) {
            reset_peak_rss();
            auto before = peak_rss_bytes();
            auto start = clock_type::now();
            auto result = t->run(command, shell_kind::sh, start + 3s);
            auto took = seconds_since(start);
            REQUIRE_FALSE(result.has_value());
            INFO(result.error().message);
            CHECK(result.error().kind == error_kind::timeout);
            CHECK(took >= 2.5);
            CHECK(took < 6.0);
            if (rss_is_meaningful) CHECK(peak_rss_bytes() - before < rss_budget);
        }
    }
    // The session survives a timed-out command: the next step still runs.
    auto after = t->run("echo still-here", shell_kind::sh, clock_type::now() + 10s);
    REQUIRE(after.has_value());
    CHECK(after->stdout_text.find("still-here") != std::string::npos);
    t->close();
}

TEST_CASE("SSH: output beyond max_output_bytes is dropped and its total length recorded", "[hardening][integration][ssh]") {
    ssh_host host;
    auto t = make_transport(host.settings());
    REQUIRE(t->connect(clock_type::now() + 10s).has_value());
    auto result = t->run("head -c 20000000 /dev/zero; head -c 3000000 /dev/zero >&2", shell_kind::sh,
                         clock_type::now() + 60s);
    REQUIRE(result.has_value());
    CHECK(result->exit_code == 0);
    CHECK(result->stdout_text.size() == 64u * 1024);
    CHECK(result->stdout_total_bytes == 20000000u);
    CHECK(result->stderr_text.size() == 64u * 1024);
    CHECK(result->stderr_total_bytes == 3000000u);
    t->close();
}
