#pragma once
/// Checks the server's host key against known_hosts by policy:
/// strict     unknown or changed -> host_key error (nothing is written);
/// accept-new unknown -> recorded in known_hosts; changed -> host_key error;
/// off        anything goes, with a warning.
#include "transports/transport.hpp"

#include <libssh/libssh.h>

#include <expected>
#include <string>

namespace fleetmend::ssh_detail {

/// Messages name the host as known_hosts does ("addr", or "[addr]:port" off
/// port 22), show the key's SHA256 fingerprint and the command that fixes it.
[[nodiscard]] std::expected<void, transport_error> verify_host_key(
    ssh_session session, host_key_policy policy, const std::string& known_hosts_path,
    const std::string& address, std::uint16_t port);

}  // namespace fleetmend::ssh_detail
