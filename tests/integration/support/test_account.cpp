#include "tests/integration/support/test_account.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

namespace fleetmend::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::regex account_name{R"(fleetmend-([0-9]+)-[0-9]+-[a-z]+)"};

/// Runs a command line; several test processes may edit /etc/passwd at once,
/// and useradd/userdel give up when another holds its lock, so a failure is
/// retried a few times before it counts.
bool run_with_retries(const std::string& command_line) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        if (std::system((command_line + " >/dev/null 2>&1").c_str()) == 0) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

bool account_exists(const std::string& name) { return ::getpwnam(name.c_str()) != nullptr; }

std::string random_password() {
    static constexpr char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string out;
    for (int i = 0; i < 24; ++i) out += alphabet[pick(device)];
    return out;
}

void set_password(const std::string& name, const std::string& password) {
    // Through chpasswd's stdin, so the password is on no command line.
    FILE* pipe = ::popen("chpasswd", "w");
    if (pipe == nullptr) throw std::runtime_error("cannot run chpasswd");
    std::fprintf(pipe, "%s:%s\n", name.c_str(), password.c_str());
    if (::pclose(pipe) != 0) throw std::runtime_error("chpasswd failed for " + name);
}

void remove_account(const std::string& name) {
    // -f: a session process of the test may still be ending.
    if (account_exists(name)) run_with_retries("userdel -f " + name);
}

}  // namespace

std::vector<std::string> stale_test_accounts() {
    std::vector<std::string> stale;
    ::setpwent();
    while (const passwd* pw = ::getpwent()) {
        std::cmatch m;
        if (!std::regex_match(pw->pw_name, m, account_name)) continue;
        const auto owner = static_cast<pid_t>(std::atol(m[1].str().c_str()));
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) stale.emplace_back(pw->pw_name);
    }
    ::endpwent();
    return stale;
}

void remove_stale_test_accounts() {
    for (const auto& name : stale_test_accounts()) remove_account(name);
}

test_account::test_account(const std::string& role, const fs::path& home_parent, login how) {
    static std::atomic<unsigned> counter{0};
    remove_stale_test_accounts();
    name_ = "fleetmend-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + role;
    const fs::path home = home_parent / name_;
    fs::create_directories(home);
    if (!run_with_retries("useradd -M -d '" + home.string() + "' -s /bin/sh " + name_) || !account_exists(name_))
        throw std::runtime_error("useradd " + name_ + " failed (the fixture needs root)");
    try {
        const passwd* pw = ::getpwnam(name_.c_str());
        // sshd prints "Could not chdir to home directory" on stderr without one.
        if (pw == nullptr || ::chown(home.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::runtime_error("chown of " + home.string() + " failed");
        if (how == login::password) {
            password_ = random_password();
            set_password(name_, password_);
        } else if (!run_with_retries("usermod -p '*' " + name_)) {
            // useradd leaves "!" (locked), which sshd without PAM refuses even
            // for keys; "*" means no password login but an unlocked account.
            throw std::runtime_error("usermod -p '*' " + name_ + " failed");
        }
    } catch (...) {
        remove_account(name_);
        throw;
    }
}

test_account::~test_account() { remove_account(name_); }

}  // namespace fleetmend::test
