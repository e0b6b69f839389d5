#pragma once
/// The jump sessions of this process: one per jump chain (the same hops with
/// the same user, port, identity, known_hosts and policy), created on first
/// use and kept until close_all, so every host behind a bastion shares one
/// login for the whole run, across batches. A chain's hop N runs over the
/// chain's hop N-1, which other chains with the same first hops share too.
#include "transports/transport.hpp"

namespace fleetmend::ssh_detail {

/// The opener that reaches address:port through `hops` (not empty).
[[nodiscard]] stream_opener jump_opener(const std::vector<jump_hop>& hops);

/// Logins made by every jump session of this process so far.
[[nodiscard]] unsigned jump_logins() noexcept;

/// Stops every jump session; the next jump_opener starts new ones.
void close_jump_sessions() noexcept;

}  // namespace fleetmend::ssh_detail
