// The SSH transport against a real sshd: what a step sees when it runs.
#include <catch2/catch.hpp>

#include "ssh_test_settings.hpp"

#include <cstdlib>
#include <set>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {
exec_result must_run(transport& t, const std::string& command, std::chrono::milliseconds limit = 10s) {
    auto r = t.run(command, shell_kind::sh, in(limit));
    if (!r) FAIL("run failed (kind " << static_cast<int>(r.error().kind) << "): " << r.error().message);
    return *r;
}
}  // namespace

TEST_CASE("a command's stdout, stderr and exit code come back separately", "[ssh][integration]") {
    sshd_fixture sshd;
    ssh_transport t(key_settings(sshd));
    require_connect(t);

    const auto ok = must_run(t, "echo hello; echo oops >&2");
    CHECK(ok.exit_code == 0);
    CHECK(ok.stdout_text == "hello\n");
    CHECK(ok.stderr_text == "oops\n");
    CHECK(ok.stdout_total_bytes == 6);

    CHECK(must_run(t, "exit 3").exit_code == 3);
    CHECK(must_run(t, "false").exit_code == 1);
}

TEST_CASE("the stand-in netsh answers like Windows, per simulated host", "[ssh][integration]") {
    sshd_fixture sshd({.hosts = 2});
    sshd.set_teredo_type(sshd.addresses()[0], "client");
    sshd.set_teredo_type(sshd.addresses()[1], "disabled");
    ssh_transport first(key_settings(sshd, 0));
    ssh_transport second(key_settings(sshd, 1));
    require_connect(first);
    require_connect(second);

    const auto shown = must_run(first, "netsh interface teredo show state");
    CHECK(shown.stdout_text.starts_with("Teredo Parameters\r\n---------------------------------------------\r\n"
                                        "Type                    : client\r\n"));
    CHECK(must_run(second, "netsh interface teredo show state").stdout_text.find("Type                    : disabled\r\n") !=
          std::string::npos);

    const auto set = must_run(first, "netsh interface teredo set state type=disabled");
    CHECK(set.stdout_text == "Ok.\r\n");
    CHECK(set.exit_code == 0);
    CHECK(sshd.teredo_type(sshd.addresses()[0]) == "disabled");

    const auto bad = must_run(first, "netsh interface teredo set state enabled");
    CHECK(bad.exit_code == 1);
    CHECK(bad.stdout_text.find("not an acceptable value") != std::string::npos);

    sshd.set_flag(sshd.addresses()[1], "not_elevated");
    const auto denied = must_run(second, "netsh interface teredo set state type=client");
    CHECK(denied.exit_code == 1);
    CHECK(denied.stdout_text == "The requested operation requires elevation (Run as administrator).\r\n");
    CHECK(sshd.teredo_type(sshd.addresses()[1]) == "disabled");

    const auto no_policy = must_run(second, "reg query HKLM\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition /v Teredo_State");
    CHECK(no_policy.exit_code == 1);
    CHECK(no_policy.stderr_text.starts_with("ERROR: The system was unable to find"));

    sshd.set_policy(sshd.addresses()[1], "enterpriseclient");
    CHECK(must_run(second, "reg query HKLM\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition /v Teredo_State")
              .stdout_text.find("    Teredo_State    REG_SZ    Enterprise Client\r\n") != std::string::npos);
    CHECK(must_run(second, "netsh interface teredo show state").stdout_text.find(
              "Type                    : enterpriseclient (Group Policy)\r\n") != std::string::npos);
}

TEST_CASE("megabytes of output arrive whole", "[ssh][integration]") {
    sshd_fixture sshd;
    auto settings = key_settings(sshd);
    settings.max_output_bytes = 8u << 20;
    ssh_transport t(settings);
    require_connect(t);
    const auto r = must_run(t, "head -c 5000000 /dev/zero | tr '\\000' x; head -c 3000000 /dev/zero | tr '\\000' y >&2",
                            30s);
    CHECK(r.stdout_text.size() == 5'000'000);
    CHECK(r.stdout_text.find_first_not_of('x') == std::string::npos);
    CHECK(r.stderr_text.size() == 3'000'000);
    CHECK(r.stderr_text.find_first_not_of('y') == std::string::npos);
    CHECK(r.stdout_total_bytes == 5'000'000);
}

TEST_CASE("output beyond the cap is dropped but counted", "[ssh][integration]") {
    sshd_fixture sshd;
    auto settings = key_settings(sshd);
    settings.max_output_bytes = 1000;
    ssh_transport t(settings);
    require_connect(t);
    const auto r = must_run(t, "seq 1 100000; seq 1 50000 >&2");
    CHECK(r.stdout_text.size() == 1000);
    CHECK(r.stdout_text.starts_with("1\n2\n3\n"));
    CHECK(r.stdout_total_bytes == 588895);  // bytes of `seq 1 100000`
    CHECK(r.stderr_text.size() == 1000);
    CHECK(r.stderr_total_bytes == 288894);  // bytes of `seq 1 50000`
    CHECK(r.exit_code == 0);
}

TEST_CASE("one connection and one authentication serve all of a host's commands", "[ssh][integration]") {
    sshd_fixture sshd;
    ssh_transport t(key_settings(sshd));
    require_connect(t);
    require_connect(t);  // a second connect() keeps the open session
    std::set<std::string> client_ends;
    for (int i = 0; i < 12; ++i) {
        const auto r = must_run(t, "echo $SSH_CONNECTION");
        client_ends.insert(r.stdout_text.substr(0, r.stdout_text.find(' ', r.stdout_text.find(' ') + 1)));
    }
    CHECK(client_ends.size() == 1);  // same client address and port: one TCP connection
    const auto stats = t.stats();
    CHECK(stats.connections == 1);
    CHECK(stats.authentications == 1);
    CHECK(stats.commands == 12);
}

TEST_CASE("password login works for an account without keys", "[ssh][integration]") {
    sshd_fixture sshd;
    auto settings = key_settings(sshd);
    settings.user = sshd.password_user();
    settings.password = secret(sshd.password());
    ssh_transport t(settings);
    const auto connected = t.connect(in(5s));
    REQUIRE(connected);
    CHECK(must_run(t, "id -un").stdout_text == sshd.password_user() + "\n");
}

TEST_CASE("close() ends the session and is safe twice", "[ssh][integration]") {
    sshd_fixture sshd;
    ssh_transport t(key_settings(sshd));
    require_connect(t);
    t.close();
    t.close();
    const auto after = t.run("true", shell_kind::sh, in(2s));
    REQUIRE_FALSE(after);
    CHECK(after.error().message.find("connect() first") != std::string::npos);
    require_connect(t);  // and it can reconnect
    CHECK(must_run(t, "echo again").stdout_text == "again\n");
    CHECK(t.stats().connections == 2);
}

namespace {
/// A real ssh-agent holding the fixture's user key, exported through
/// SSH_AUTH_SOCK for as long as it lives.
struct agent_with_key {
    std::string pid;
    explicit agent_with_key(const sshd_fixture& sshd) {
        const std::string sock = (sshd.dir() / "agent.sock").string();
        const std::string out = run_checked("ssh-agent -s -a " + sock);
        const auto at = out.find("SSH_AGENT_PID=");
        REQUIRE(at != std::string::npos);
        pid = out.substr(at + 14, out.find(';', at) - at - 14);
        run_checked("SSH_AUTH_SOCK=" + sock + " ssh-add -q " + sshd.user_key().string());
        ::setenv("SSH_AUTH_SOCK", sock.c_str(), 1);
    }
    ~agent_with_key() {
        ::unsetenv("SSH_AUTH_SOCK");
        std::system(("kill " + pid + " 2>/dev/null").c_str());
    }
};
}  // namespace

TEST_CASE("keys held by ssh-agent are used when the identity file is absent or refused", "[ssh][integration]") {
    sshd_fixture sshd;
    const agent_with_key agent(sshd);
    auto settings = key_settings(sshd);

    SECTION("no identity file configured: agent (and default keys)") {
        settings.ssh.identity_file.clear();
        ssh_transport t(settings);
        require_connect(t);
        CHECK(must_run(t, "id -un").stdout_text == sshd.key_user() + "\n");
    }
    SECTION("identity file missing: the agent still gets the host in") {
        settings.ssh.identity_file = (sshd.dir() / "no-such-key").string();
        ssh_transport t(settings);
        require_connect(t);
        CHECK(t.stats().authentications == 1);
    }
}
