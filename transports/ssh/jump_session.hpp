#pragma once
/// One login on one jump host (bastion), shared by every host behind it.
///
/// Why not libssh's ProxyJump: it logs into the bastion once per target
/// connection, and bastions keep OpenSSH's MaxStartups (10:30:100) and audit
/// every login, so a fleet run would be throttled and flood the audit. Here
/// one session per jump chain opens a `direct-tcpip` channel per target and
/// hands the target's transport a connected local socket (one end of a
/// socketpair; this session's thread copies bytes between the other end and
/// the channel). SSH (over SSH_OPTIONS_FD), HTTP and TLS (over an Asio
/// stream on the descriptor) then run end to end exactly as over TCP: NTLM
/// and Kerberos sealing, TLS and certificate checks are the target's own.
///
/// libssh sessions are not thread-safe: one thread owns the session and all
/// its channels (the pump thread); callers only queue requests and wait.
/// A second hop's session runs over a channel of the first hop's session the
/// same way.
#include "transports/transport.hpp"

#include <memory>

namespace fleetmend::ssh_detail {

class jump_session {
public:
    /// `via`: the session of the hop before this one (null for the first hop).
    jump_session(jump_hop hop, std::shared_ptr<jump_session> via);
    ~jump_session();
    jump_session(const jump_session&) = delete;
    jump_session& operator=(const jump_session&) = delete;

    /// A socket whose bytes travel over a new direct-tcpip channel to
    /// address:port (resolved and connected by the jump host). Logs in on the
    /// first call. A failed login is remembered: every later call gets the
    /// same error at once (no second login attempt in a run); a session that
    /// dropped after logging in logs in again on the next call.
    [[nodiscard]] std::expected<stream_fd, transport_error> open_tunnel(const std::string& address,
                                                                        std::uint16_t port, deadline until);

    /// Successful logins so far.
    [[nodiscard]] unsigned logins() const noexcept;
    /// Ends the session and every tunnel; later calls fail. Safe twice.
    void stop() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace fleetmend::ssh_detail
