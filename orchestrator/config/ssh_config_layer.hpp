#pragma once
/// The OpenSSH client config as the lowest-precedence source of a host's
/// SSH settings: what the inventory leaves unset, `ssh.config_file` (default
/// ~/.ssh/config when it exists, "" for none) fills in, as `ssh -G` would.
/// SSH hosts take HostName, User, Port, IdentityFile, UserKnownHostsFile,
/// StrictHostKeyChecking and ProxyJump; WinRM hosts only ProxyJump (the other
/// keys describe an SSH login, not a WinRM one). Jump hosts that are no
/// inventory host are looked up in the same file. Private to orchestrator/config.
#include "orchestrator/config/connection_layer.hpp"
#include "orchestrator/config/ssh_client_config.hpp"

#include <map>
#include <memory>

namespace fleetmend::config_detail {

/// Which settings some inventory level wrote for a host (those win).
struct inventory_sets {
    bool address = false, user = false, port = false, identity_file = false, known_hosts = false, key_policy = false,
         jump = false;
};

[[nodiscard]] inventory_sets what_inventory_sets(const std::vector<const connection_layer*>& layers, bool has_address,
                                                 transport_kind kind);

/// Parsed config files by path, each read once per inventory.
class ssh_config_files {
public:
    /// The file for a host with these layers (null: none applies).
    [[nodiscard]] const ssh_client_config* for_layers(const toml_reader& reader,
                                                      const std::vector<const connection_layer*>& layers);

private:
    std::map<std::string, std::unique_ptr<ssh_client_config>> files_;
};

/// Records "inventory" as the origin of every key the inventory set.
void record_inventory_origins(const inventory_sets& sets, host_entry& host);

/// Names the origin of a value from the config: "ssh config FILE:LINE".
[[nodiscard]] std::string ssh_config_origin(const ssh_config_value& value);

/// Resolves `name` in `config`; a bad value there is a config error at its file and line.
[[nodiscard]] ssh_config_host resolve_or_fail(const ssh_client_config& config, const std::string& name);

/// Fills the host's unset settings from `config` and records their origins.
/// A ProxyJump it takes becomes `proxy_jump` (the host's jump, if the
/// inventory set none).
void apply_ssh_config(const ssh_client_config& config, const inventory_sets& sets, host_entry& host,
                      std::optional<located<std::vector<jump_spec_hop>>>& proxy_jump);

/// StrictHostKeyChecking as our policy: yes and ask are strict (nobody is
/// asked in a run), accept-new, and no/off.
[[nodiscard]] host_key_policy policy_of(const std::string& strict_host_key_checking);

}  // namespace fleetmend::config_detail
