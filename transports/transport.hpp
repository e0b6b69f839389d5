#pragma once
/// The transport seam: connect(settings) -> run(command, shell, deadline) ->
/// exec_result -> close. Every failure comes back as a value with a kind and
/// a message a human can act on; no exception crosses this seam.
/// One transport object is one connection (and, for WinRM, one shell) to one
/// host, reused by every step of that host in a run. An object is used by one
/// thread at a time, except cancel(), which any thread may call.
#include "transports/secret.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend {

using clock_type = std::chrono::steady_clock;
using deadline = clock_type::time_point;

enum class error_kind {
    unreachable,   // DNS, refused, no route, connect timeout
    auth,          // credentials rejected
    host_key,      // SSH host key unknown or changed
    tls,           // certificate chain or name did not verify
    timeout,       // a command or an operation ran past its deadline
    protocol,      // the peer broke the protocol (bad HTTP, bad SOAP, dropped connection)
    remote_fault,  // the remote side reported a fault in its own words (WS-Man fault)
    config,        // the settings cannot work (e.g. Basic over plain HTTP not allowed)
    cancelled,     // the operator stopped the run (a second signal): the command was ended
};

[[nodiscard]] const char* to_string(error_kind kind) noexcept;

/// What a finished command returned. Output beyond the cap a transport keeps
/// is dropped; *_total_bytes records how much the host really sent.
struct exec_result {
    int exit_code = 0;
    std::string stdout_text;
    std::string stderr_text;
    std::uint64_t stdout_total_bytes = 0;
    std::uint64_t stderr_total_bytes = 0;
    std::chrono::milliseconds duration{0};
};

struct transport_error {
    error_kind kind;
    std::string message;  // actionable, never contains a secret
    /// What the command printed before run() failed after starting it (a
    /// timeout, a dropped connection), with the time it ran: the report shows
    /// how far a hung command got. Empty for every other error.
    std::optional<exec_result> partial;
};

enum class shell_kind { cmd, powershell, sh };
[[nodiscard]] const char* to_string(shell_kind shell) noexcept;

enum class transport_kind { winrm, ssh };
enum class host_key_policy { strict, accept_new, off };
enum class winrm_scheme { http, https };
enum class winrm_auth { ntlm, kerberos, negotiate, basic, certificate };

struct ssh_settings {
    std::string identity_file;  // empty: agent and default keys
    std::string known_hosts;    // empty: ~/.ssh/known_hosts
    host_key_policy key_policy = host_key_policy::strict;
};

struct winrm_settings {
    winrm_scheme scheme = winrm_scheme::https;
    winrm_auth auth = winrm_auth::ntlm;
    std::string ca_file;          // empty: the system store
    bool insecure = false;        // skip TLS verification (warned about)
    bool allow_unencrypted = false;  // permit Basic over plain HTTP
    std::string cert_file;        // client certificate (auth = certificate)
    std::string key_file;
    std::string spn;              // empty: HTTP@<tls_server_name, else the inventory name>
    /// The name the HTTPS certificate must hold (and SNI carries). Empty: the
    /// certificate may hold either the inventory name or the address dialed.
    std::string tls_server_name;
    std::string path = "/wsman";
};

/// One SSH jump host (bastion) on the way to a host, resolved from the
/// inventory's `jump` (OpenSSH ProxyJump syntax). Hops are logged into with
/// keys (identity file, agent, default keys), never a password.
struct jump_hop {
    std::string name;        // as the inventory wrote it, for messages
    std::string address;     // where to connect (resolved by the previous hop for hop 2+)
    std::uint16_t port = 22;
    std::string user;        // empty: the local user name, as ssh does
    ssh_settings ssh;        // identity file, known_hosts and host key policy for this hop
    std::chrono::milliseconds connect_timeout{10'000};

    /// "user@address:port" (without "user@" when no user is set).
    [[nodiscard]] std::string endpoint() const {
        return (user.empty() ? "" : user + "@") + address + ":" + std::to_string(port);
    }
};

/// A connected stream socket this object owns (closed once, on destruction).
class stream_fd {
public:
    stream_fd() = default;
    explicit stream_fd(int fd) noexcept : fd_(fd) {}
    ~stream_fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    stream_fd(stream_fd&& other) noexcept : fd_(other.release()) {}
    stream_fd& operator=(stream_fd&& other) noexcept {
        if (this != &other) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = other.release();
        }
        return *this;
    }
    stream_fd(const stream_fd&) = delete;
    stream_fd& operator=(const stream_fd&) = delete;

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    /// Gives the descriptor to a new owner (libssh, Asio).
    [[nodiscard]] int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

/// Opens the byte stream a transport speaks its protocol on, to address:port
/// as seen from the last jump host. The transport then runs SSH, HTTP or TLS
/// over it exactly as over a direct TCP connection (end to end).
using stream_opener =
    std::function<std::expected<stream_fd, transport_error>(const std::string& address, std::uint16_t port, deadline until)>;

/// Everything a transport needs to reach one host, resolved from the inventory.
struct connection_settings {
    std::string host_name;   // inventory name (used for Kerberos SPN, TLS name)
    std::string address;     // where to connect (defaults to host_name)
    std::uint16_t port = 0;  // 0: the transport's default for its scheme
    transport_kind kind = transport_kind::winrm;
    std::string user;
    secret password;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds command_timeout{120'000};
    std::size_t max_output_bytes = 1 << 20;  // kept per stream per command
    ssh_settings ssh;
    winrm_settings winrm;
    std::vector<jump_hop> jump;  // empty: connect directly
    /// Set by make_transport when `jump` is not empty: the channel through the
    /// jump hosts. Empty: the transport opens its own TCP connection.
    stream_opener open_stream;
};

/// Counts a transport reports so tests and benchmarks can check the
/// "one connection, one authentication, one shell per host" promise.
struct transport_stats {
    unsigned connections = 0;
    unsigned authentications = 0;
    unsigned shells = 0;
    unsigned commands = 0;
};

class transport {
public:
    virtual ~transport() = default;
    transport() = default;
    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Opens the connection and authenticates; must be called before run().
    [[nodiscard]] virtual std::expected<void, transport_error> connect(deadline until) = 0;
    /// Runs one command and waits for it to finish or for the deadline.
    /// A non-zero exit code is a result, not an error.
    [[nodiscard]] virtual std::expected<exec_result, transport_error> run(
        const std::string& command, shell_kind shell, deadline until) = 0;
    /// Releases the remote shell and the connection; safe to call twice.
    virtual void close() noexcept = 0;
    /// Asks the connect() or run() in progress (and every later one) to end:
    /// at its next safe point the transport ends the remote command (WinRM:
    /// Signal terminate; SSH: signal TERM, channel closed) and returns kind
    /// `cancelled` with what the command printed so far in `partial`.
    /// Thread-safe and non-blocking: it only sets a flag the working thread
    /// polls, because neither libssh nor an Asio connection may be touched
    /// from two threads. A call rather than a std::stop_token parameter of
    /// connect()/run(): a transport is one host's connection for the whole
    /// run, so the stop belongs to the object, not to each call, and the
    /// engine links it to its std::stop_token with one std::stop_callback.
    virtual void cancel() noexcept = 0;
    [[nodiscard]] virtual transport_stats stats() const noexcept = 0;
};

/// Builds the transport that settings.kind names. Never connects. Hosts with
/// jump hosts share one login per jump chain for the whole process (see
/// close_shared_connections).
[[nodiscard]] std::unique_ptr<transport> make_transport(const connection_settings& settings);

/// How many logins the shared jump host sessions made so far (one per jump
/// chain, unless a session dropped and had to log in again).
[[nodiscard]] unsigned jump_host_logins() noexcept;

/// Ends the shared jump host sessions (at the end of a run). Transports still
/// holding a channel see it closed.
void close_shared_connections() noexcept;

}  // namespace fleetmend
