#include "orchestrator/config/jump_resolution.hpp"

#include <algorithm>
#include <unordered_map>

namespace fleetmend::config_detail {
namespace {

class jump_resolver {
public:
    jump_resolver(const toml_reader& reader, const std::vector<host_entry>& hosts,
                  const std::vector<jump_context>& contexts)
        : reader_(reader), hosts_(hosts), contexts_(contexts) {
        for (std::size_t i = 0; i < hosts.size(); ++i) index_.emplace(hosts[i].name, i);
    }

    /// The hops to reach host `target`; `path` holds the names being expanded (loop check).
    std::vector<jump_hop> hops_of(std::size_t target, std::vector<std::string>& path) {
        const located_jump* jump = contexts_[target].jump;
        if (jump == nullptr) return {};
        return expand(jump->value, target, *jump, path);
    }

private:
    std::vector<jump_hop> expand(const std::vector<jump_spec_hop>& specs, std::size_t target, const located_jump& written,
                                 std::vector<std::string>& path) {
        std::vector<jump_hop> out;
        for (const auto& spec : specs) {
            if (std::ranges::find(path, spec.host) != path.end()) {
                std::string loop;
                for (const auto& p : path) loop += p + " -> ";
                reader_.fail(written.where, written.key,
                             "host '" + hosts_[target].name + "': jump hosts form a loop: " + loop + spec.host);
            }
            path.push_back(spec.host);
            std::vector<jump_hop> before;
            jump_hop hop;
            if (const auto named = index_.find(spec.host); named != index_.end()) {
                before = hops_of(named->second, path);
                hop = hop_from_host(spec, hosts_[named->second].connection);
            } else {
                hop = hop_from_config(spec, target, written, path, before);
            }
            path.pop_back();
            out.insert(out.end(), before.begin(), before.end());
            out.push_back(std::move(hop));
        }
        return out;
    }

    // An inventory host as a jump host: its own SSH settings, unless the hop
    // gives a user or a port. A WinRM host's user is a Windows account, not
    // its SSH login, so only an SSH host lends its user and port.
    static jump_hop hop_from_host(const jump_spec_hop& spec, const connection_settings& host) {
        const bool ssh = host.kind == transport_kind::ssh;
        const std::string user = !spec.user.empty() ? spec.user : ssh ? host.user : std::string{};
        const std::uint16_t port = spec.port.value_or(ssh ? host.port : std::uint16_t{22});
        return jump_hop{spec.text(), host.address.empty() ? host.host_name : host.address, port, user, host.ssh,
                        host.connect_timeout};
    }

    // Any other hop: as written, completed by the target's ssh config file.
    jump_hop hop_from_config(const jump_spec_hop& spec, std::size_t target, const located_jump& written,
                             std::vector<std::string>& path, std::vector<jump_hop>& before) {
        const auto& settings = hosts_[target].connection;
        const auto& context = contexts_[target];
        jump_hop hop{spec.text(), spec.host, spec.port.value_or(22), spec.user, settings.ssh, settings.connect_timeout};
        if (context.config == nullptr) return hop;
        const ssh_config_host found = resolve_or_fail(*context.config, spec.host);
        if (found.host_name) hop.address = found.host_name->value;
        if (spec.user.empty() && found.user) hop.user = found.user->value;
        if (!spec.port && found.port) hop.port = static_cast<std::uint16_t>(std::stoi(found.port->value));
        // What the config gave the target itself is not the jump host's: the
        // jump host has its own Host block (or the defaults), as with ssh -J.
        if (!context.sets.identity_file)
            hop.ssh.identity_file = found.identity_file ? found.identity_file->value : std::string{};
        if (!context.sets.known_hosts) hop.ssh.known_hosts = found.known_hosts ? found.known_hosts->value : std::string{};
        if (!context.sets.key_policy)
            hop.ssh.key_policy = found.strict_host_key_checking ? policy_of(found.strict_host_key_checking->value)
                                                                : host_key_policy::strict;
        if (found.proxy_jump) {
            auto hops = parse_jump(found.proxy_jump->value);
            if (!hops)
                throw config_failure{
                    config_error{found.proxy_jump->file, found.proxy_jump->line, 0, "ProxyJump", hops.error()}};
            before = expand(*hops, target, written, path);
        }
        return hop;
    }

    const toml_reader& reader_;
    const std::vector<host_entry>& hosts_;
    const std::vector<jump_context>& contexts_;
    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace

void resolve_jumps(const toml_reader& reader, std::vector<host_entry>& hosts, const std::vector<jump_context>& contexts) {
    jump_resolver resolver(reader, hosts, contexts);
    std::vector<std::vector<jump_hop>> resolved(hosts.size());
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        std::vector<std::string> path{hosts[i].name};
        resolved[i] = resolver.hops_of(i, path);
    }
    // Assigned after every host is resolved: hops_of reads the hosts' settings.
    for (std::size_t i = 0; i < hosts.size(); ++i) hosts[i].connection.jump = std::move(resolved[i]);
}

}  // namespace fleetmend::config_detail
