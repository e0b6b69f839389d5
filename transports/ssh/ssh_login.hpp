#pragma once
/// One SSH login: connect (over a given stream, or TCP to address:port),
/// check the host key by policy, authenticate. The SSH transport logs into
/// its host this way and a jump session into its bastion, so a bastion's key
/// is checked with the same known_hosts and policy code as any host's.
#include "transports/ssh/ssh_handles.hpp"
#include "transports/transport.hpp"

#include <atomic>
#include <expected>

namespace fleetmend::ssh_detail {

/// `via`: a connected stream (a channel through a jump host) to speak SSH
/// on; invalid: TCP to address:port, name resolution and connect bounded by
/// `until` (libssh's own connect would resolve without a deadline). Counts a
/// connection and an authentication in `stats` as each succeeds. Errors name
/// address:port. `cancelled`, when given, ends the resolve or connect wait.
[[nodiscard]] std::expected<session_ptr, transport_error> log_in(const connection_settings& settings, stream_fd via,
                                                                 deadline until, transport_stats& stats,
                                                                 const std::atomic<bool>* cancelled = nullptr);

/// Where `settings` connect: address (or host name) and port (22 if unset).
[[nodiscard]] std::string login_address(const connection_settings& settings);
[[nodiscard]] std::uint16_t login_port(const connection_settings& settings);

}  // namespace fleetmend::ssh_detail
