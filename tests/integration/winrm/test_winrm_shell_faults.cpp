// Shells that go away and quotas that run out, against the lab: a new shell
// on the same connection takes the command when the fault proves it never
// started; a command that did start is never run again; shells are deleted
// on success, on failure and when the transport goes. Counted on the lab side.
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace fleetmend;

namespace {

constexpr const char* password = "Lab-Passw0rd-80";

// All HTTP+NTLM (sealed). 1: healthy; 2: three commands per shell
// (MaxConcurrentOperationsPerUser); 3: the service restarts before command 2;
// 4: the service restarts while command 2 runs; 5: commands hang; 6: the
// service restarts after command 2 started, before its stdin arrived.
const char* scenario = R"toml(
name = "shell-faults"
hosts = 6
name_pattern = "sf{n:02}.lab.example"
domain = "LAB"
user = "Administrator"
password = "Lab-Passw0rd-80"

[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"

[[fault]]
kind = "operations-quota"
hosts = [2]
limit = 3

[[fault]]
kind = "shell-lost"
hosts = [3]
at_command = 2

[[fault]]
kind = "service-restart"
hosts = [4, 6]
at_command = 2

[[fault]]
kind = "hang"
hosts = [5]
)toml";

lab::lab_fleet& fleet() {
    static test::lab_in_temp_dir env = [] {
        auto started = test::lab_in_temp_dir::start(scenario, "127.234.");
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return *env.fleet;
}

connection_settings settings_for(unsigned n) {
    const auto name = lab::format_host_name("sf{n:02}.lab.example", n);
    REQUIRE(fleet().find(name) != nullptr);
    auto s = test::lab_host_settings(fleet(), name, "LAB\\Administrator", password);
    s.command_timeout = std::chrono::seconds(30);
    return s;
}

using test::in_seconds;

}  // namespace

TEST_CASE("Shell faults: the operations quota opens a new shell on the same connection, each command runs once", "[winrm][lab][integration]") {
    auto settings = settings_for(2);
    {
        winrm_transport t(settings);
        REQUIRE(t.connect(in_seconds(30)).has_value());
        for (int i = 0; i < 7; ++i) {
            auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(30));
            INFO("command " << i << ": " << (r ? std::string() : r.error().message));
            REQUIRE(r.has_value());
            CHECK(r->stdout_text.find("Type") != std::string::npos);
        }
        CHECK(t.stats().shells == 3);  // 3 + 3 + 1 commands
    }
    const auto c = fleet().counters(settings.host_name);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.shells == 3);
    CHECK(c.commands == 7);       // none started twice
    CHECK(c.open_shells == 0);    // the full ones deleted on the way, the last one at the end
}

TEST_CASE("Shell faults: a shell lost before a command (service restart) is replaced and the command runs", "[winrm][lab][integration]") {
    auto settings = settings_for(3);
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(30)).has_value());
    for (int i = 0; i < 3; ++i) {
        auto r = t.run("hostname", shell_kind::cmd, in_seconds(30));
        INFO("command " << i << ": " << (r ? std::string() : r.error().message));
        REQUIRE(r.has_value());
        CHECK(r->stdout_text == "SF03\r\n");
    }
    t.close();
    const auto c = fleet().counters(settings.host_name);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.shells == 2);
    CHECK(c.commands == 3);
    CHECK(c.open_shells == 0);
}

TEST_CASE("Shell faults: a shell lost while a command ran is reported, the command is not run again, the next step continues", "[winrm][lab][integration]") {
    auto settings = settings_for(4);
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(30)).has_value());
    REQUIRE(t.run("hostname", shell_kind::cmd, in_seconds(30)).has_value());
    auto lost = t.run("netsh interface teredo set state type=disabled", shell_kind::cmd, in_seconds(30));
    REQUIRE_FALSE(lost.has_value());
    INFO(lost.error().message);
    CHECK(lost.error().kind == error_kind::remote_fault);
    CHECK(lost.error().message.find("not run again") != std::string::npos);
    CHECK(lost.error().message.find("2150858843") != std::string::npos);
    auto next = t.run("hostname", shell_kind::cmd, in_seconds(30));
    REQUIRE(next.has_value());
    t.close();
    const auto c = fleet().counters(settings.host_name);
    CHECK(c.commands == 3);   // the lost one started once and only once
    CHECK(c.shells == 2);
    CHECK(c.connections == 1);
    CHECK(c.open_shells == 0);
}

TEST_CASE("Shell faults: a script whose stdin finds its shell gone runs in a new shell, once", "[winrm][lab][integration]") {
    auto settings = settings_for(6);
    std::string script, expected;
    while (script.size() < 12 * 1024) {
        script += "Write-Output 'streamed'\n";
        expected += "streamed\r\n";
    }
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(30)).has_value());
    REQUIRE(t.run("hostname", shell_kind::cmd, in_seconds(30)).has_value());
    auto r = t.run(script, shell_kind::powershell, in_seconds(30));
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.has_value());
    CHECK(r->stdout_text == expected);  // the script ran once
    t.close();
    const auto c = fleet().counters(settings.host_name);
    CHECK(c.commands == 3);  // hostname, the bootstrap whose shell went, the bootstrap again
    CHECK(c.shells == 2);
    CHECK(c.open_shells == 0);
}

TEST_CASE("Shell faults: the shell is deleted after a command timed out, and when the transport goes without close()", "[winrm][lab][integration]") {
    auto settings = settings_for(5);
    settings.command_timeout = std::chrono::seconds(4);
    {
        winrm_transport t(settings);
        REQUIRE(t.connect(in_seconds(30)).has_value());
        auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(3));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == error_kind::timeout);
        CHECK(fleet().counters(settings.host_name).open_shells == 1);
    }  // destroyed, never closed
    CHECK(fleet().counters(settings.host_name).open_shells == 0);
    CHECK(fleet().counters(settings.host_name).shells == 1);
}

TEST_CASE("Shell faults: a cancel from another thread terminates a hanging command and deletes its shell at once", "[winrm][lab][integration]") {
    auto settings = settings_for(5);
    settings.command_timeout = std::chrono::seconds(120);  // OperationTimeout 5 s: the longest a cancel waits
    winrm_transport t(settings);
    REQUIRE(t.connect(in_seconds(30)).has_value());
    const auto shells_before = fleet().counters(settings.host_name).shells;
    const auto commands_before = fleet().counters(settings.host_name).commands;
    std::jthread canceller([&t, &settings, commands_before] {
        // Once the command runs on the host (its shell is open), as a second signal comes.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (fleet().counters(settings.host_name).commands == commands_before && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        t.cancel();
    });
    const auto started = std::chrono::steady_clock::now();
    auto r = t.run("netsh interface teredo show state", shell_kind::cmd, in_seconds(120));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == error_kind::cancelled);
    CHECK_THAT(r.error().message, Catch::Contains("stopped by the operator"));
    CHECK(r.error().partial.has_value());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(60));  // not the command timeout
    CHECK(fleet().counters(settings.host_name).open_shells == 0);  // deleted before run() returned
    CHECK(fleet().counters(settings.host_name).shells == shells_before);
    // Cancelled for good: nothing more starts on this transport.
    auto again = t.run("hostname", shell_kind::cmd, in_seconds(30));
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().kind == error_kind::cancelled);
    t.close();
}
