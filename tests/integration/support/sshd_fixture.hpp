#pragma once
/// A real OpenSSH sshd for integration tests, serving many simulated Windows
/// hosts at once. Each simulated host is its own loopback address 127.0.1.N
/// (Linux routes all of 127.0.0.0/8 to lo, so no address needs adding); all
/// share one port. sshd accepts at most 16 ListenAddress sockets, so the
/// fixture runs one sshd per 16 hosts, all with the same keys and config.
///
/// On the server side, `netsh` and `reg` on PATH are the stand-ins in this
/// folder: they keep each host's Teredo state in state_dir(address) (see the
/// netsh script's header for the files). Everything lives in a fresh temp
/// directory removed at teardown, with the two local accounts the fixture
/// makes for itself (test_account.hpp: names of this run, a random password,
/// removed at teardown). Needs root (sshd, /run/sshd, useradd); a test that
/// makes one as another user is skipped.
#include "tests/integration/support/test_account.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fleetmend::test {

class sshd_fixture {
public:
    struct options {
        unsigned hosts = 1;              // simulated hosts: 127.0.1.<first_host> ...
        unsigned first_host = 1;         // pick distinct ranges for suites that run at once
        /// Instead of 127.0.1.N: these addresses (e.g. of a network namespace
        /// the fixture is constructed in; they must be local there).
        std::vector<std::string> addresses;
    };

    explicit sshd_fixture(options opts);
    sshd_fixture() : sshd_fixture(options{}) {}
    ~sshd_fixture();
    sshd_fixture(const sshd_fixture&) = delete;
    sshd_fixture& operator=(const sshd_fixture&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] const std::vector<std::string>& addresses() const noexcept { return addresses_; }
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

    /// A local account (shell /bin/sh) whose key is authorized, and that key.
    [[nodiscard]] const std::string& key_user() const noexcept { return key_account_->name(); }
    [[nodiscard]] std::filesystem::path user_key() const { return dir_ / "user_ed25519"; }
    /// A local account that logs in with a password only (no authorized key);
    /// the password is random, made for this fixture.
    [[nodiscard]] const std::string& password_user() const noexcept { return password_account_->name(); }
    [[nodiscard]] const std::string& password() const noexcept { return password_account_->password(); }
    /// The sshd processes serving the hosts (empty once stopped).
    [[nodiscard]] const std::vector<pid_t>& server_pids() const noexcept { return pids_; }

    /// known_hosts with every simulated host's correct key.
    [[nodiscard]] std::filesystem::path known_hosts() const { return dir_ / "known_hosts"; }
    /// One known_hosts line for `address` with the real host key, or with a
    /// different key (to simulate a changed host key).
    [[nodiscard]] std::string known_hosts_line(const std::string& address, bool wrong_key = false) const;
    /// The server's key fingerprint as `ssh-keygen -lf` prints it ("SHA256:...").
    [[nodiscard]] const std::string& host_key_fingerprint() const noexcept { return fingerprint_; }

    /// Per-host stand-in netsh state.
    [[nodiscard]] std::filesystem::path state_dir(const std::string& address) const;
    void set_teredo_type(const std::string& address, const std::string& type) const;
    [[nodiscard]] std::string teredo_type(const std::string& address) const;
    /// Creates (on = true) or removes a flag file: "hang", "not_elevated".
    void set_flag(const std::string& address, const std::string& flag, bool on = true) const;
    void set_policy(const std::string& address, const std::string& type) const;
    /// Every call of the stand-ins on this host ("netsh ARGS", "reg ARGS"), oldest first.
    [[nodiscard]] std::vector<std::string> netsh_calls(const std::string& address) const;

    /// Stops every sshd (also done by the destructor).
    void stop() noexcept;

private:
    void make_keys();
    void make_test_users();
    void install_netsh() const;
    std::filesystem::path write_config(unsigned instance, std::size_t first, std::size_t count) const;
    void start_all();

    std::filesystem::path dir_;
    std::unique_ptr<test_account> key_account_;       // destroyed after the
    std::unique_ptr<test_account> password_account_;  // destructor stopped sshd
    std::uint16_t port_ = 0;
    std::vector<std::string> addresses_;
    std::vector<pid_t> pids_;
    std::string host_public_key_;
    std::string wrong_public_key_;
    std::string fingerprint_;
};

/// Runs a shell command line, returns its stdout; throws if it exits non-zero.
std::string run_checked(const std::string& command_line);

}  // namespace fleetmend::test
