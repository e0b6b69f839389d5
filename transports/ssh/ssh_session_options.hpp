#pragma once
/// Small helpers shared by the SSH transport's steps: how a deadline becomes
/// libssh's blocking timeout, and how user paths are expanded.
#include "transports/transport.hpp"

#include <libssh/libssh.h>

#include <chrono>
#include <string>

namespace fleetmend::ssh_detail {

/// Milliseconds left until `until`, never negative.
[[nodiscard]] std::chrono::milliseconds remaining(deadline until) noexcept;

/// Sets the session's blocking timeout to what is left of `until` (at least
/// 1 ms, because libssh treats 0 as "use the default"). Every blocking libssh
/// call (connect, auth, channel open, exec) is bounded by it.
void bound_session_by(ssh_session session, deadline until) noexcept;

/// "~/x" -> "$HOME/x"; other paths unchanged.
[[nodiscard]] std::string expand_home(const std::string& path);

/// libssh's last error text for this session (the remote's or libssh's own words).
[[nodiscard]] std::string libssh_error(ssh_session session);

}  // namespace fleetmend::ssh_detail
