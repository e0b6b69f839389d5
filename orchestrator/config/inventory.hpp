#pragma once
/// The inventory model: hosts with their resolved connection settings.
/// Precedence: defaults < groups (parents before children) < host.
#include "orchestrator/config/config_error.hpp"
#include "transports/transport.hpp"

#include <expected>
#include <map>
#include <string>
#include <vector>

namespace fleetmend {

/// Where a password comes from. Resolved only when a run needs it.
struct secret_source {
    enum class kind { none, env, file, prompt, command };
    kind from = kind::none;
    std::string reference;  // variable name, file path or command line
};

struct host_entry {
    std::string name;                 // inventory name, unique
    std::vector<std::string> groups;  // every group the host belongs to, ancestors too
    std::map<std::string, std::string> vars;
    connection_settings connection;   // password left empty until resolve_secrets()
    secret_source password_source;
    /// Where the settings an OpenSSH client config can also give came from,
    /// by key ("address", "user", "port", "ssh.identity_file",
    /// "ssh.known_hosts", "ssh.host_key_policy", "jump"): "inventory" or
    /// "ssh config FILE:LINE". A key not here is fleetmend's default.
    std::map<std::string, std::string> origins;
};

struct group_entry {
    std::string name;
    std::vector<std::string> hosts;     // expanded host names, in declaration order
    std::vector<std::string> children;  // child group names
};

struct inventory {
    std::string path;
    std::vector<host_entry> hosts;  // inventory order
    std::map<std::string, group_entry> groups;

    [[nodiscard]] const host_entry* find(const std::string& name) const;
};

/// Loads and resolves an inventory file. Unknown keys are errors.
[[nodiscard]] std::expected<inventory, config_error> load_inventory(const std::string& path);

/// Fills connection.password of the given hosts from their sources, asking
/// once per distinct source (a prompt asks once per run, not per host).
[[nodiscard]] std::expected<void, config_error> resolve_secrets(std::vector<host_entry*>& hosts);

/// Selects hosts by a pattern: names, group names, globs, "!exclude",
/// "&intersect", comma lists. Result is in inventory order, without duplicates.
[[nodiscard]] std::expected<std::vector<const host_entry*>, config_error> select_hosts(
    const inventory& inv, const std::string& pattern);

}  // namespace fleetmend
