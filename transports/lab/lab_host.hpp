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
    unsigned input_pieces = 0;     // stdin Sends received
    unsigned open_shells = 0;      // shells created and not deleted (nor lost) yet
    unsigned spnego_logons = 0;    // NTLM/Kerberos logons that came wrapped in SPNEGO
    unsigned kerberos_logons = 0;  // logons whose mechanism was Kerberos (raw or in SPNEGO)
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
    void count_logon_kind(bool spnego, bool kerberos) noexcept {
        if (spnego) ++spnego_logons_;
        if (kerberos) ++kerberos_logons_;
    }
    void count_shell() noexcept { ++shells_created_; }
    /// Runs a command at once, outside any WS-Man shell (the SSH side).
    [[nodiscard]] command_output run_command_now(const std::string& command_line);
    /// True while the host should still fail this connection (flaky hosts).
    [[nodiscard]] bool take_flaky_failure() noexcept;

    /// Creates a shell; returns its id.
    [[nodiscard]] std::string create_shell();
    [[nodiscard]] bool delete_shell(const std::string& shell_id);
    enum class start_status { started, no_shell, quota };
    struct started_command {
        start_status status = start_status::no_shell;
        std::string id;
    };
    /// Starts a command in a shell (the host's shell faults decide first). A
    /// command that reads stdin runs once its input ended (send_input).
    [[nodiscard]] started_command start_command(const std::string& shell_id, const std::string& command_line);
    enum class input_status { taken, no_shell, no_command };
    /// Appends to a command's stdin; `end` closes it and lets the command run.
    [[nodiscard]] input_status send_input(const std::string& shell_id, const std::string& command_id,
                                          const std::string& bytes, bool end);
    struct command_result {
        bool shell_found = false;
        bool command_found = false;
        bool finished = false;  // false: still running (hanging, or waiting for stdin)
        bool done = false;      // finished and this answer carries the last of its output
        command_output output;  // this answer's share of the output
    };
    /// Up to `max_bytes` of a finished command's output (stdout first), as
    /// Windows spreads output over Receives that fit MaxEnvelopeSize.
    [[nodiscard]] command_result take_output(const std::string& shell_id, const std::string& command_id,
                                             std::size_t max_bytes);
    /// MaxEnvelopeSizekb: 500 (Windows Server 2012 on), 150 on an old host.
    [[nodiscard]] std::size_t max_envelope_kb() const noexcept { return spec_.faults.old_envelope_size ? 150 : 500; }
    [[nodiscard]] bool terminate_command(const std::string& shell_id, const std::string& command_id);

    X509* certificate() const noexcept { return certificate_.get(); }
    /// The SNI name of the latest TLS handshake (empty: none was sent).
    void note_server_name(std::string name);
    [[nodiscard]] std::string last_server_name() const;
    void set_certificate(x509_ptr cert) { certificate_ = std::move(cert); }

private:
    struct command_state {
        std::string command_line;
        command_output output;
        bool finished = true;
        bool awaiting_input = false;
        std::string input;
        std::size_t stdout_sent = 0, stderr_sent = 0;
    };
    struct shell_state {
        std::map<std::string, command_state> commands;
        unsigned operations = 0;  // commands started; terminate does not give one back
    };
    void run_now(command_state& state);

    host_spec spec_;
    std::string short_name_;
    x509_ptr certificate_;
    mutable std::mutex mutex_;
    std::string last_server_name_;
    teredo_host teredo_;
    std::map<std::string, shell_state> shells_;
    unsigned commands_requested_ = 0;
    std::atomic<unsigned> connections_{0}, authentications_{0}, auth_failures_{0}, shells_created_{0},
        commands_started_{0}, faults_{0}, flaky_left_{0}, input_pieces_{0}, spnego_logons_{0}, kerberos_logons_{0};
};

}  // namespace fleetmend::lab
