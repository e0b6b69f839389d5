#include "orchestrator/config/ssh_config_layer.hpp"

#include "orchestrator/config/toml_reader.hpp"

#include <cstdlib>
#include <filesystem>

namespace fleetmend::config_detail {

inventory_sets what_inventory_sets(const std::vector<const connection_layer*>& layers, bool has_address,
                                   transport_kind kind) {
    inventory_sets sets;
    sets.address = has_address;
    for (const auto* l : layers) {
        sets.user |= l->user.has_value();
        sets.port |= l->port.has_value() || (kind == transport_kind::ssh ? l->ssh.port : l->winrm.port).has_value();
        sets.identity_file |= l->ssh.identity_file.has_value();
        sets.known_hosts |= l->ssh.known_hosts.has_value();
        sets.key_policy |= l->ssh.key_policy.has_value();
        sets.jump |= l->jump.has_value();
    }
    return sets;
}

const ssh_client_config* ssh_config_files::for_layers(const toml_reader& reader,
                                                      const std::vector<const connection_layer*>& layers) {
    const located<std::string>* chosen = nullptr;
    for (auto it = layers.rbegin(); it != layers.rend() && chosen == nullptr; ++it)
        if ((*it)->ssh.config_file) chosen = &*(*it)->ssh.config_file;
    std::string path;
    if (chosen != nullptr) {
        path = chosen->value;
        if (path.empty()) return nullptr;  // "" turns the config file off
    } else {
        const char* home = std::getenv("HOME");
        if (home == nullptr || *home == '\0') return nullptr;
        path = std::string(home) + "/.ssh/config";
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
    }
    auto& slot = files_[path];
    if (!slot) {
        auto loaded = ssh_client_config::load(path);
        if (!loaded) {
            if (chosen != nullptr && loaded.error().line == 0)
                reader.fail(chosen->where, chosen->key, loaded.error().message + ": " + path);
            throw config_failure{loaded.error()};
        }
        slot = std::make_unique<ssh_client_config>(std::move(*loaded));
    }
    return slot.get();
}

void record_inventory_origins(const inventory_sets& sets, host_entry& host) {
    const std::pair<bool, const char*> keys[] = {
        {sets.address, "address"},           {sets.user, "user"},
        {sets.port, "port"},                 {sets.identity_file, "ssh.identity_file"},
        {sets.known_hosts, "ssh.known_hosts"}, {sets.key_policy, "ssh.host_key_policy"},
        {sets.jump, "jump"},
    };
    for (const auto& [set, key] : keys)
        if (set) host.origins[key] = "inventory";
}

std::string ssh_config_origin(const ssh_config_value& value) { return "ssh config " + value.origin(); }

ssh_config_host resolve_or_fail(const ssh_client_config& config, const std::string& name) {
    auto resolved = config.resolve(name);
    if (!resolved) throw config_failure{resolved.error()};
    return std::move(*resolved);
}

host_key_policy policy_of(const std::string& v) {
    if (v == "accept-new") return host_key_policy::accept_new;
    if (v == "no" || v == "off") return host_key_policy::off;
    return host_key_policy::strict;
}

void apply_ssh_config(const ssh_client_config& config, const inventory_sets& sets, host_entry& host,
                      std::optional<located<std::vector<jump_spec_hop>>>& proxy_jump) {
    const ssh_config_host found = resolve_or_fail(config, host.name);
    auto& c = host.connection;
    const auto take = [&](const std::optional<ssh_config_value>& value, bool inventory_set, const char* key,
                          auto&& assign) {
        if (!value || inventory_set) return;
        assign(value->value);
        host.origins[key] = ssh_config_origin(*value);
    };
    if (c.kind == transport_kind::ssh) {
        take(found.host_name, sets.address, "address", [&](const std::string& v) { c.address = v; });
        take(found.user, sets.user, "user", [&](const std::string& v) { c.user = v; });
        take(found.port, sets.port, "port", [&](const std::string& v) { c.port = static_cast<std::uint16_t>(std::stoi(v)); });
        take(found.identity_file, sets.identity_file, "ssh.identity_file",
             [&](const std::string& v) { c.ssh.identity_file = v; });
        take(found.known_hosts, sets.known_hosts, "ssh.known_hosts", [&](const std::string& v) { c.ssh.known_hosts = v; });
        take(found.strict_host_key_checking, sets.key_policy, "ssh.host_key_policy",
             [&](const std::string& v) { c.ssh.key_policy = policy_of(v); });
    }
    take(found.proxy_jump, sets.jump, "jump", [&](const std::string& v) {
        auto hops = parse_jump(v);
        if (!hops)
            throw config_failure{config_error{found.proxy_jump->file, found.proxy_jump->line, 0, "ProxyJump", hops.error()}};
        proxy_jump = located<std::vector<jump_spec_hop>>{std::move(*hops), {}, "ProxyJump (" + found.proxy_jump->origin() + ")"};
    });
}

}  // namespace fleetmend::config_detail
