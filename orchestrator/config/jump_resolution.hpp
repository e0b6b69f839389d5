#pragma once
/// Turns the `jump` each host inherits into the hops its transport follows.
/// A hop that names an inventory host takes that host's address, SSH port,
/// user, identity file, known_hosts and host key policy, and that host's own
/// jump hosts come before it (as ssh does with a jump host's ProxyJump).
/// Another hop is looked up in the host's ssh config file, if any (HostName,
/// User, Port, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking and its
/// own ProxyJump), under the ssh settings the inventory gave the host, which
/// win. Private to orchestrator/config.
#include "orchestrator/config/connection_layer.hpp"
#include "orchestrator/config/ssh_config_layer.hpp"

#include <vector>

namespace fleetmend::config_detail {

using located_jump = located<std::vector<jump_spec_hop>>;

/// What resolving one host's jump needs to know about it.
struct jump_context {
    const located_jump* jump = nullptr;           // null: no level (and no ProxyJump) sets one
    const ssh_client_config* config = nullptr;    // the host's ssh config file, if any
    inventory_sets sets;
};

/// `contexts[i]` belongs to `hosts[i]`. Loops are config errors at the jump
/// that closes them.
void resolve_jumps(const toml_reader& reader, std::vector<host_entry>& hosts, const std::vector<jump_context>& contexts);

}  // namespace fleetmend::config_detail
