// The test command leaves the machine as it found it: the sshd fixture's
// accounts, folder and processes are gone when it is, its password is made
// for it, and accounts a killed test process left behind are removed by the
// next fixture.
#include "tests/integration/support/sshd_fixture.hpp"
#include "tests/integration/support/test_account.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace fleetmend::test;
namespace fs = std::filesystem;

namespace {

bool account_exists(const std::string& name) { return ::getpwnam(name.c_str()) != nullptr; }

bool process_runs(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

/// /etc/shadow's field 2 for `name` ("" when there is no such line).
std::string shadow_hash(const std::string& name) {
    std::ifstream in("/etc/shadow");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(name + ":", 0) == 0) {
            const auto from = name.size() + 1;
            return line.substr(from, line.find(':', from) - from);
        }
    return {};
}

/// A pid that ran a moment ago and runs no more.
pid_t finished_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

}  // namespace

TEST_CASE("the sshd fixture leaves no account, folder or process behind", "[fixture][integration]") {
    skip_unless_root("creates local accounts");
    std::string key_user, password_user;
    fs::path dir;
    std::vector<pid_t> servers;
    {
        sshd_fixture sshd({.hosts = 2, .first_host = 241});
        key_user = sshd.key_user();
        password_user = sshd.password_user();
        dir = sshd.dir();
        servers = sshd.server_pids();
        REQUIRE(account_exists(key_user));
        REQUIRE(account_exists(password_user));
        REQUIRE(fs::exists(dir));
        REQUIRE_FALSE(servers.empty());
        CHECK(shadow_hash(password_user).size() > 10);  // a real hash: the password logs in
        CHECK(shadow_hash(key_user) == "*");             // unlocked, but no password at all
    }
    CHECK_FALSE(account_exists(key_user));
    CHECK_FALSE(account_exists(password_user));
    CHECK(shadow_hash(key_user).empty());
    CHECK(shadow_hash(password_user).empty());
    CHECK_FALSE(fs::exists(dir));
    for (const pid_t pid : servers) CHECK_FALSE(process_runs(pid));
}

TEST_CASE("each sshd fixture has its own accounts and a random password", "[fixture][integration]") {
    skip_unless_root("creates local accounts");
    sshd_fixture first({.hosts = 1, .first_host = 243});
    sshd_fixture second({.hosts = 1, .first_host = 244});
    CHECK(first.password_user() != second.password_user());
    CHECK(first.key_user() != second.key_user());
    CHECK(first.password() != second.password());
    CHECK(first.password().size() >= 20);
    CHECK(first.password() != "fleetmend-lab-password");  // the fixed one this repository once held
}

TEST_CASE("accounts a killed test process left behind are removed by the next fixture", "[fixture][integration]") {
    skip_unless_root("creates local accounts");
    // What a test killed before its destructors ran leaves: an account named
    // for a process that no longer runs.
    const std::string orphan = "fleetmend-" + std::to_string(finished_pid()) + "-0-key";
    REQUIRE(std::system(("useradd -M -d /nonexistent -s /bin/sh " + orphan).c_str()) == 0);
    REQUIRE(account_exists(orphan));
    const auto stale = stale_test_accounts();
    CHECK(std::find(stale.begin(), stale.end(), orphan) != stale.end());
    {
        sshd_fixture sshd({.hosts = 1, .first_host = 245});
        CHECK_FALSE(account_exists(orphan));
    }
    if (account_exists(orphan)) (void)std::system(("userdel -f " + orphan).c_str());
}
