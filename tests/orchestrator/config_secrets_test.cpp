// resolve_secrets: every source kind, one resolution per distinct source, and
// errors that name the source but never a value.
#include "config_test_support.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

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
