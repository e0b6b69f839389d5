// resolve_secrets: every source kind, one resolution per distinct source, and
// errors that name the source but never a value.
#include "config_test_support.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"

#include <catch2/catch.hpp>

#include <pty.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <poll.h>

using namespace fleetmend;
using fleetmend::test::temp_folder;

namespace {

host_entry host_with(secret_source::kind kind, std::string reference) {
    host_entry h;
    h.name = "h";
    h.password_source = {kind, std::move(reference)};
    return h;
}

}  // namespace

TEST_CASE("env: the variable's value, an unset variable is named", "[config][unit]") {
    ::setenv("FLEETMEND_TEST_SECRET", "s3cret value", 1);
    auto h = host_with(secret_source::kind::env, "FLEETMEND_TEST_SECRET");
    std::vector<host_entry*> hosts{&h};
    REQUIRE(resolve_secrets(hosts).has_value());
    CHECK(h.connection.password.reveal() == "s3cret value");

    ::unsetenv("FLEETMEND_TEST_UNSET_SECRET");
    auto missing = host_with(secret_source::kind::env, "FLEETMEND_TEST_UNSET_SECRET");
    std::vector<host_entry*> others{&missing};
    auto result = resolve_secrets(others);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find("FLEETMEND_TEST_UNSET_SECRET is not set") != std::string::npos);
}

TEST_CASE("file: trailing newline trimmed, missing file named", "[config][unit]") {
    temp_folder dir;
    const auto path = dir.write("pw", "pa ss\n");
    ::chmod(path.c_str(), 0600);
    auto h = host_with(secret_source::kind::file, path);
    std::vector<host_entry*> hosts{&h};
    REQUIRE(resolve_secrets(hosts).has_value());
    CHECK(h.connection.password.reveal() == "pa ss");

    auto missing = host_with(secret_source::kind::file, (dir.path() / "nope").string());
    std::vector<host_entry*> others{&missing};
    auto result = resolve_secrets(others);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find("nope") != std::string::npos);
}

TEST_CASE("file: a password file others can read is used but warned about", "[config][unit]") {
    temp_folder dir;
    const auto path = dir.write("pw", "open\n");
    ::chmod(path.c_str(), 0644);
    auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(8);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("config-test", sink));
    auto h = host_with(secret_source::kind::file, path);
    std::vector<host_entry*> hosts{&h};
    const bool resolved = resolve_secrets(hosts).has_value();
    spdlog::set_default_logger(previous);
    CHECK(resolved);
    const auto lines = sink->last_formatted();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("chmod 600 " + path) != std::string::npos);
    CHECK(lines[0].find("open") == std::string::npos);
}

TEST_CASE("prompt: asks on the terminal once, without echo", "[config][unit]") {
    int master = -1;
    const pid_t child = ::forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(child >= 0);
    if (child == 0) {
        auto a = host_with(secret_source::kind::prompt, "");
        auto b = host_with(secret_source::kind::prompt, "");
        a.connection.user = b.connection.user = "CORP\\svc";
        std::vector<host_entry*> hosts{&a, &b};
        const bool ok = resolve_secrets(hosts).has_value() && a.connection.password.reveal() == "typed pw" &&
                        b.connection.password.reveal() == "typed pw";
        ::_exit(ok ? 0 : 1);
    }
    // Read the prompt, answer it, then collect whatever the terminal shows.
    std::string shown;
    char buffer[256];
    bool answered = false;
    for (int rounds = 0; rounds < 100; ++rounds) {
        pollfd fd{master, POLLIN, 0};
        if (::poll(&fd, 1, 100) > 0) {
            const ssize_t n = ::read(master, buffer, sizeof buffer);
            if (n <= 0) break;
            shown.append(buffer, static_cast<std::size_t>(n));
        }
        if (!answered && shown.find("Password for CORP\\svc (2 hosts): ") != std::string::npos) {
            REQUIRE(::write(master, "typed pw\n", 9) == 9);
            answered = true;
        }
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::close(master);
    CHECK(answered);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(shown.find("typed pw") == std::string::npos);  // not echoed
}

TEST_CASE("command: stdout trimmed, failure reported without its output", "[config][unit]") {
    auto h = host_with(secret_source::kind::command, "printf 'from-command\\n'");
    std::vector<host_entry*> hosts{&h};
    REQUIRE(resolve_secrets(hosts).has_value());
    CHECK(h.connection.password.reveal() == "from-command");

    // The output ("secretvalue") differs from the command text, so the test sees which one leaks.
    auto failing = host_with(secret_source::kind::command, "printf 'secret%s' value; exit 3");
    std::vector<host_entry*> others{&failing};
    auto result = resolve_secrets(others);
    REQUIRE_FALSE(result.has_value());
    const auto message = result.error().to_string();
    CHECK(message.find("exited with status 3") != std::string::npos);
    CHECK(message.find("printf 'secret%s' value; exit 3") != std::string::npos);  // the command may be shown
    CHECK(message.find("secretvalue") == std::string::npos);                      // its output never
}

TEST_CASE("command: a failing helper's stderr is shown only with the secret masked", "[config][unit]") {
    // The helper prints the secret and then echoes it into its error, as a
    // verbose vault client does; a CI log must get neither.
    auto failing = host_with(secret_source::kind::command,
                             "printf 'secret%s\\n' value; printf 'vault: token secret%s expired\\n' value >&2; exit 4");
    std::vector<host_entry*> hosts{&failing};
    auto result = resolve_secrets(hosts);
    REQUIRE_FALSE(result.has_value());
    const auto message = result.error().to_string();
    CHECK(message.find("exited with status 4") != std::string::npos);
    CHECK(message.find("vault: token **** expired") != std::string::npos);
    CHECK(message.find("secretvalue") == std::string::npos);
}

TEST_CASE("one resolution per distinct source, shared by every host", "[config][unit]") {
    temp_folder dir;
    const auto counter = (dir.path() / "count").string();
    const std::string command = "echo x >> " + counter + "; echo shared";
    auto a = host_with(secret_source::kind::command, command);
    auto b = host_with(secret_source::kind::command, command);
    auto c = host_with(secret_source::kind::none, "");
    std::vector<host_entry*> hosts{&a, &b, &c};
    REQUIRE(resolve_secrets(hosts).has_value());
    CHECK(a.connection.password.reveal() == "shared");
    CHECK(b.connection.password.reveal() == "shared");
    CHECK(c.connection.password.empty());
    std::ifstream in(counter);
    std::string line;
    int runs = 0;
    while (std::getline(in, line)) ++runs;
    CHECK(runs == 1);
}

TEST_CASE("prompt: refused with advice when there is no terminal", "[config][unit]") {
    // A child without a controlling terminal cannot open /dev/tty.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::setsid();
        auto h = host_with(secret_source::kind::prompt, "");
        std::vector<host_entry*> hosts{&h};
        auto result = resolve_secrets(hosts);
        const bool refused = !result.has_value() && result.error().message.find("no terminal") != std::string::npos &&
                             result.error().message.find("env") != std::string::npos;
        ::_exit(refused ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("inventory views show the source of a secret, never its value", "[config][unit]") {
    ::setenv("FLEETMEND_TEST_SECRET", "do-not-print", 1);
    auto h = host_with(secret_source::kind::env, "FLEETMEND_TEST_SECRET");
    h.connection.host_name = h.connection.address = "h";
    std::vector<host_entry*> hosts{&h};
    REQUIRE(resolve_secrets(hosts).has_value());
    CHECK(host_to_line(h).find("password=env:FLEETMEND_TEST_SECRET") != std::string::npos);
    CHECK(host_to_line(h).find("do-not-print") == std::string::npos);
    CHECK(host_to_json(h).dump().find("do-not-print") == std::string::npos);
    CHECK(host_to_json(h)["password"] == "env:FLEETMEND_TEST_SECRET");
}
