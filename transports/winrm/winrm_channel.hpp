#pragma once
/// The authenticated, optionally sealed HTTP channel to one WinRM host: it
/// connects, authenticates once per TCP connection (NTLM/Kerberos/negotiate
/// via GSSAPI, Basic, or a TLS client certificate), seals SOAP over plain
/// HTTP, and returns the host's SOAP reply (or a transport_error a human can
/// act on). WS-Man semantics live above it, in winrm_transport.
#include "transports/transport.hpp"
#include "transports/winrm/http_connection.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace fleetmend::winrm {

/// The SOAP text of a reply and its HTTP status (500 carries WS-Man faults).
struct soap_reply {
    int status = 0;
    std::string text;
};

class winrm_channel {
public:
    /// `cancelled` (optional, the transport's flag): a set flag ends the name
    /// lookup and TCP connect of open() and of a reconnect.
    winrm_channel(const connection_settings& settings, transport_stats& stats,
                  const std::atomic<bool>* cancelled = nullptr);
    ~winrm_channel();
    winrm_channel(const winrm_channel&) = delete;
    winrm_channel& operator=(const winrm_channel&) = delete;

    /// Checks the settings can work, connects and authenticates.
    [[nodiscard]] std::expected<void, transport_error> open(deadline until);
    /// POSTs one SOAP envelope; reconnects (and re-authenticates) first if the
    /// host closed the idle connection.
    [[nodiscard]] std::expected<soap_reply, transport_error> exchange(const std::string& soap, deadline until);
    /// The WS-Man endpoint URL (for the To header).
    [[nodiscard]] std::string endpoint() const;
    void close() noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// The Kerberos service the host is asked for: winrm.spn when set, else
/// HTTP@<tls_server_name>, else HTTP@<inventory name>.
[[nodiscard]] std::string default_target(const connection_settings& settings);

/// True for an account Windows treats as local and that is not the built-in
/// Administrator: "user", ".\\user" or "<HOST>\\user" for the host's first label.
[[nodiscard]] bool is_local_non_builtin_account(const std::string& user, const std::string& host_name);

/// The reason a 401 most likely happened for this auth, for the error message.
[[nodiscard]] std::string credentials_rejected_hint(winrm_auth auth, const connection_settings& settings);

}  // namespace fleetmend::winrm
