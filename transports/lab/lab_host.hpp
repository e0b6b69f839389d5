#pragma once
/// One simulated Windows host at run time: its spec, Teredo model, open
/// shells and counters. Shared by the connections to that host.
#include "transports/lab/lab_certificates.hpp"
#include "transports/lab/scenario.hpp"
#include "transports/lab/windows_shell.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace fleetmend::lab {

/// What one host saw; tests read these to check a client's behaviour
/// (e.g. one connection, one authentication, one shell for N commands).
struct host_counters {
    unsigned connections = 0;      // TCP connections accepted (refused ones too)
    unsigned authentications = 0;  // successful NTLM/Kerberos handshakes, Basic logons per connection
    unsigned auth_failures = 0;    // rejected credentials (401 after a complete attempt)
    unsigned shells = 0;           // WS-Man shells created
    unsigned commands = 0;         // commands started
    unsigned applies = 0;          // `set state` / Set-NetTeredoConfiguration that succeeded
    unsigned faults = 0;           // WS-Man faults answered (time-outs included)
};

/// The lab's account, as the inventory names it.
struct lab_credentials {
    std::string domain;
    std::string user;
    std::string password;
};

class lab_host {
public:
    explicit lab_host(host_spec spec);

    [[nodiscard]] const host_spec& spec() const noexcept { return spec_; }
    [[nodiscard]] host_counters counters() const;
    /// Current Teredo type as netsh would report it (policy included).
    [[nodiscard]] teredo_type current_type() const;

    // --- used by the server side ---
    void count_connection() noexcept { ++connections_; }
    void count_authentication() noexcept { ++authentications_; }
    void count_auth_failure() noexcept { ++auth_failures_; }
    void count_fault() noexcept { ++faults_; }
    void count_shell() noexcept { ++shells_created_; }
    /// Runs a command at once, outside any WS-Man shell (the SSH side).
    [[nodiscard]] command_output run_command_now(const std::string& command_line);
    /// True while the host should still fail this connection (flaky hosts).
    [[nodiscard]] bool take_flaky_failure() noexcept;

    /// Creates a shell; returns its id.
    [[nodiscard]] std::string create_shell();
    [[nodiscard]] bool delete_shell(const std::string& shell_id);
    /// Starts a command in a shell; empty when the shell does not exist.
    [[nodiscard]] std::string start_command(const std::string& shell_id, const std::string& command_line);
    struct command_result {
        bool shell_found = false;
        bool command_found = false;
        bool finished = false;  // false: still running (hanging)
        command_output output;
    };
    [[nodiscard]] command_result take_output(const std::string& shell_id, const std::string& command_id);
    [[nodiscard]] bool terminate_command(const std::string& shell_id, const std::string& command_id);

    X509* certificate() const noexcept { return certificate_.get(); }
    void set_certificate(x509_ptr cert) { certificate_ = std::move(cert); }

private:
    struct command_state {
        command_output output;
        bool finished = true;
        bool delivered = false;
    };
    struct shell_state {
        std::map<std::string, command_state> commands;
    };

    host_spec spec_;
    std::string short_name_;
    x509_ptr certificate_;
    mutable std::mutex mutex_;
    teredo_host teredo_;
    std::map<std::string, shell_state> shells_;
    std::atomic<unsigned> connections_{0}, authentications_{0}, auth_failures_{0}, shells_created_{0},
        commands_started_{0}, faults_{0}, flaky_left_{0};
};

}  // namespace fleetmend::lab
