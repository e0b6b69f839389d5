#pragma once
/// Authenticates an SSH session, trying in order: the identity file (or, when
/// none is configured, the agent and the default keys), the ssh-agent, then
/// the password (password and keyboard-interactive), only if one was resolved.
#include "transports/transport.hpp"

#include <libssh/libssh.h>

#include <expected>

namespace fleetmend::ssh_detail {

/// On failure: kind auth, naming the methods the server offered and the ones tried.
[[nodiscard]] std::expected<void, transport_error> authenticate(ssh_session session,
                                                                const connection_settings& settings);

}  // namespace fleetmend::ssh_detail
