// Hosts behind a jump host on loopback (a real sshd is both the bastion and
// the targets): one login on the jump host however many hosts and threads,
// bytes intact both ways through the tunnel, failures named after the jump
// host. The segmented-network tests (tests/integration/bastion) prove the
// same through namespaces the workstation cannot cross.
#include <catch2/catch.hpp>

#include "ssh_test_settings.hpp"

#include <thread>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

jump_hop bastion_hop(const sshd_fixture& sshd) {
    const auto s = key_settings(sshd, 0);
    return jump_hop{"bastion", s.address, s.port, s.user, s.ssh, 5s};
}

connection_settings behind_bastion(const sshd_fixture& sshd, std::size_t host, const jump_hop& hop) {
    auto s = key_settings(sshd, host);
    s.jump = {hop};
    return s;
}

/// Ends the process-wide jump sessions whatever the test's outcome.
struct shared_sessions_closer {
    ~shared_sessions_closer() { close_shared_connections(); }
};

}  // namespace

TEST_CASE("twelve hosts on four threads behind one jump host share one login", "[ssh][jump][integration]") {
    sshd_fixture sshd({.hosts = 4, .first_host = 60});
    const shared_sessions_closer closer;
    const unsigned before = jump_host_logins();
    const auto hop = bastion_hop(sshd);

    std::vector<std::thread> workers;
    std::vector<std::string> failures(4);
    for (std::size_t w = 0; w < 4; ++w) {
        workers.emplace_back([&, w] {
            for (std::size_t round = 0; round < 3; ++round) {
                const auto t = make_transport(behind_bastion(sshd, 1 + (w + round) % 3, hop));
                if (auto c = t->connect(in(10s)); !c) {
                    failures[w] = c.error().message;
                    return;
                }
                auto r = t->run("hostname; echo $SSH_CONNECTION", shell_kind::sh, in(10s));
                if (!r || r->exit_code != 0) failures[w] = r ? r->stderr_text : r.error().message;
                t->close();
            }
        });
    }
    for (auto& w : workers) w.join();
    for (const auto& f : failures) CHECK(f.empty());
    CHECK(jump_host_logins() - before == 1);
}

TEST_CASE("a tunnel carries megabytes both ways intact", "[ssh][jump][integration]") {
    sshd_fixture sshd({.hosts = 2, .first_host = 64});
    const shared_sessions_closer closer;
    auto settings = behind_bastion(sshd, 1, bastion_hop(sshd));
    settings.max_output_bytes = 8 << 20;
    const auto t = make_transport(settings);
    require_connect(*t, 10s);
    // 3 MiB out: more than every window and buffer on the way.
    const auto big = t->run("head -c 3145728 /dev/zero | tr '\\0' 'x'", shell_kind::sh, in(30s));
    REQUIRE(big.has_value());
    CHECK(big->stdout_text.size() == 3145728);
    CHECK(big->stdout_text.find_first_not_of('x') == std::string::npos);
    // 100 KiB in (the exec line itself; one argument may not pass 128 KiB), counted there.
    const std::string payload(100 * 1024, 'y');
    const auto echoed = t->run("printf %s " + payload + " | wc -c", shell_kind::sh, in(30s));
    REQUIRE(echoed.has_value());
    CHECK(echoed->stdout_text == std::to_string(payload.size()) + "\n");
}

TEST_CASE("a jump host that refuses the login fails its hosts naming it, once", "[ssh][jump][integration]") {
    sshd_fixture sshd({.hosts = 2, .first_host = 66});
    const shared_sessions_closer closer;
    auto hop = bastion_hop(sshd);
    hop.user = sshd.password_user();  // no authorized key: refused
    const auto first = make_transport(behind_bastion(sshd, 1, hop));
    const auto failed = first->connect(in(10s));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().kind == error_kind::unreachable);
    CHECK(failed.error().message.starts_with("jump host 'bastion' (" + sshd.password_user() + "@" + hop.address + ":" +
                                             std::to_string(hop.port) + ") failed, so no host behind it was tried"));
    CHECK(failed.error().message.find("authentication as user '" + sshd.password_user() + "' was refused") != std::string::npos);
    // The next host behind it gets the same answer without a new attempt.
    const auto second = make_transport(behind_bastion(sshd, 1, hop));
    const auto again = second->connect(in(10s));
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().message == failed.error().message);
}

TEST_CASE("a target the jump host cannot reach is unreachable, named with the jump host", "[ssh][jump][integration]") {
    sshd_fixture sshd({.hosts = 1, .first_host = 68});
    const shared_sessions_closer closer;
    auto settings = behind_bastion(sshd, 0, bastion_hop(sshd));
    settings.address = "127.0.2.9";  // nothing listens there
    const auto t = make_transport(settings);
    const auto r = t->connect(in(10s));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::unreachable);
    CHECK(r.error().message.starts_with("cannot connect to 127.0.2.9:" + std::to_string(sshd.port()) +
                                        " through jump host 'bastion'"));
}
