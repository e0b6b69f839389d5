// Every way reaching a host over SSH can fail comes back as its own error kind
// with a message that says what to do.
#include <catch2/catch.hpp>

#include "ssh_test_settings.hpp"
#include "tests/support/test_files.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

/// A loopback TCP socket owned by the test. listen(backlog) optional.
struct loopback_socket {
    int fd = -1;
    std::uint16_t port = 0;
    explicit loopback_socket(const char* address, bool listening, int backlog = 0) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        ::inet_pton(AF_INET, address, &sa.sin_addr);
        socklen_t len = sizeof sa;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
        port = ntohs(sa.sin_port);
        if (listening) REQUIRE(::listen(fd, backlog) == 0);
    }
    ~loopback_socket() { ::close(fd); }
};

std::chrono::milliseconds since(clock_type::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0);
}

}  // namespace

TEST_CASE("host keys are checked against known_hosts by policy", "[ssh][integration]") {
    sshd_fixture sshd;
    const std::string address = sshd.addresses()[0];
    const fs::path wrong = sshd.dir() / "known_hosts.wrong";
    write_text(wrong, sshd.known_hosts_line(address, /*wrong_key=*/true) + "\n");
    const fs::path empty = sshd.dir() / "known_hosts.empty";
    write_text(empty, "");

    auto settings = key_settings(sshd);

    SECTION("strict refuses a changed key and says what to do") {
        settings.ssh.known_hosts = wrong.string();
        ssh_transport t(settings);
        const auto r = t.connect(in(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == error_kind::host_key);
        CHECK(contains(r.error().message, "CHANGED"));
        CHECK(contains(r.error().message, sshd.host_key_fingerprint()));
        CHECK(contains(r.error().message, "ssh-keygen -R"));
        CHECK(t.stats().authentications == 0);
    }
    SECTION("strict refuses an unknown host and shows its fingerprint and ssh-keyscan") {
        settings.ssh.known_hosts = empty.string();
        ssh_transport t(settings);
        const auto r = t.connect(in(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == error_kind::host_key);
        CHECK(contains(r.error().message, sshd.host_key_fingerprint()));
        CHECK(contains(r.error().message, "ssh-keyscan -p " + std::to_string(sshd.port()) + " " + address));
        CHECK(read_text(empty).empty());  // strict never writes
    }
    SECTION("accept-new refuses a changed key") {
        settings.ssh.known_hosts = wrong.string();
        settings.ssh.key_policy = host_key_policy::accept_new;
        ssh_transport t(settings);
        const auto r = t.connect(in(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == error_kind::host_key);
        CHECK(contains(r.error().message, "CHANGED"));
    }
    SECTION("accept-new records an unknown key, then knows it") {
        const fs::path fresh = sshd.dir() / "new-folder" / "known_hosts";
        fs::create_directories(fresh.parent_path());
        settings.ssh.known_hosts = fresh.string();
        settings.ssh.key_policy = host_key_policy::accept_new;
        {
            ssh_transport t(settings);
            require_connect(t);
        }
        const std::string recorded = read_text(fresh);
        CHECK(contains(recorded, "[" + address + "]:" + std::to_string(sshd.port())));
        const std::string key_body = sshd.known_hosts_line(address).substr(sshd.known_hosts_line(address).find(' ') + 1);
        CHECK(contains(recorded, key_body));
        settings.ssh.key_policy = host_key_policy::strict;  // now strict accepts it
        ssh_transport again(settings);
        CHECK(again.connect(in(5s)));
    }
    SECTION("off connects even with a changed key") {
        settings.ssh.known_hosts = wrong.string();
        settings.ssh.key_policy = host_key_policy::off;
        ssh_transport t(settings);
        CHECK(t.connect(in(5s)));
    }
}

TEST_CASE("a wrong password is an auth error naming the methods", "[ssh][integration]") {
    sshd_fixture sshd;
    auto settings = key_settings(sshd);
    settings.user = sshd.password_user();
    settings.password = secret("not-the-password");
    ssh_transport t(settings);
    const auto r = t.connect(in(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == error_kind::auth);
    CHECK(contains(r.error().message, "offers publickey, password"));
    CHECK(contains(r.error().message, "tried publickey (identity file), password"));
    CHECK(contains(r.error().message, sshd.password_user()));
    CHECK_FALSE(contains(r.error().message, "not-the-password"));
}

TEST_CASE("a key the server does not know, and no password, is an auth error", "[ssh][integration]") {
    sshd_fixture sshd;
    auto settings = key_settings(sshd);
    settings.user = sshd.password_user();  // has no authorized key
    ssh_transport t(settings);
    const auto r = t.connect(in(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == error_kind::auth);
    CHECK(contains(r.error().message, "no password was configured"));
}

TEST_CASE("a closed port is unreachable at once", "[ssh][integration]") {
    sshd_fixture sshd;
    const loopback_socket closed("127.0.1.250", /*listening=*/false);  // bound, never listening
    auto settings = key_settings(sshd);
    settings.address = "127.0.1.250";
    settings.port = closed.port;
    ssh_transport t(settings);
    const auto r = t.connect(in(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == error_kind::unreachable);
    CHECK(contains(r.error().message, "127.0.1.250:" + std::to_string(closed.port)));
    CHECK_FALSE(contains(r.error().message, "timeout"));  // refused, not waited out
}

TEST_CASE("a host that never completes the connect ends at the connect deadline", "[ssh][integration]") {
    SECTION("SYNs dropped: a listener whose accept queue is full (a black hole on loopback)") {
        const loopback_socket full("127.0.1.251", /*listening=*/true, /*backlog=*/0);
        // Fill the accept queue so the kernel silently drops further SYNs.
        std::vector<std::unique_ptr<loopback_socket>> fillers;
        for (int i = 0; i < 4; ++i) {
            auto s = std::make_unique<loopback_socket>("127.0.0.1", false);
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(full.port);
            ::inet_pton(AF_INET, "127.0.1.251", &sa.sin_addr);
            timeval tv{0, 200'000};
            ::setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            (void)::connect(s->fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
            fillers.push_back(std::move(s));
        }
        connection_settings settings;
        settings.host_name = "blackhole.test";
        settings.address = "127.0.1.251";
        settings.port = full.port;
        settings.kind = transport_kind::ssh;
        ssh_transport t(settings);
        const auto t0 = clock_type::now();
        const auto r = t.connect(in(1500ms));
        const auto took = since(t0);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == error_kind::unreachable);
        CHECK(contains(r.error().message, "connect timeout"));
        CHECK(took >= 1200ms);  // the connect deadline ended it
    }
    SECTION("TCP accepted but no SSH banner ever comes") {
        const loopback_socket silent("127.0.1.252", /*listening=*/true, 8);
        connection_settings settings;
        settings.host_name = "silent.test";
        settings.address = "127.0.1.252";
        settings.port = silent.port;
        settings.kind = transport_kind::ssh;
        ssh_transport t(settings);
        const auto t0 = clock_type::now();
        const auto r = t.connect(in(1500ms));
        const auto took = since(t0);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == error_kind::unreachable);
        CHECK(took >= 1200ms);  // the connect deadline ended it
    }
}

TEST_CASE("a hanging command times out at its deadline and the session stays usable", "[ssh][integration]") {
    sshd_fixture sshd;
    ssh_transport t(key_settings(sshd));
    require_connect(t);
    const auto t0 = clock_type::now();
    const auto r = t.run("echo started; sleep 30", shell_kind::sh, in(1s));
    const auto took = since(t0);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == error_kind::timeout);
    CHECK(contains(r.error().message, "command_timeout"));
    CHECK(took >= 950ms);  // the command deadline ended it, not the 30 s sleep
    // What it printed before the cut is kept for the report.
    REQUIRE(r.error().partial.has_value());
    CHECK(r.error().partial->stdout_text == "started\n");
    CHECK(r.error().partial->duration >= 950ms);

    auto next = t.run("echo still here", shell_kind::sh, in(5s));
    REQUIRE(next);
    CHECK(next->stdout_text == "still here\n");
    CHECK(t.stats().connections == 1);
}

TEST_CASE("the stand-in netsh can hang, and the timeout catches it", "[ssh][integration]") {
    sshd_fixture sshd;
    sshd.set_flag(sshd.addresses()[0], "hang");
    ssh_transport t(key_settings(sshd));
    require_connect(t);
    const auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in(1s));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == error_kind::timeout);
}

TEST_CASE("a connection dropped mid-command is a protocol error in libssh's words", "[ssh][integration]") {
    sshd_fixture sshd;
    ssh_transport t(key_settings(sshd));
    require_connect(t);
    // The shell's parent is this connection's sshd session process: killing it
    // cuts the TCP connection under the running command.
    const auto r = t.run("echo partial; kill -9 $PPID; sleep 5", shell_kind::sh, in(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == error_kind::protocol);
    CHECK(contains(r.error().message, "dropped"));
    CHECK(r.error().partial.has_value());  // the command had started: its output so far, maybe none
    const auto after = t.run("true", shell_kind::sh, in(2s));
    REQUIRE_FALSE(after);
    CHECK(after.error().kind == error_kind::protocol);
}
