#include "orchestrator/config/inventory_view.hpp"

#include "orchestrator/config/setting_names.hpp"

namespace fleetmend {

std::string describe_secret_source(const secret_source& source) {
    switch (source.from) {
        case secret_source::kind::env: return "env:" + source.reference;
        case secret_source::kind::file: return "file:" + source.reference;
        case secret_source::kind::prompt: return "prompt";
        case secret_source::kind::command: return "command:" + source.reference;
        case secret_source::kind::none: break;
    }
    return "none";
}

nlohmann::json host_to_json(const host_entry& host) {
    const auto& c = host.connection;
    nlohmann::json out{
        {"name", host.name},
        {"address", c.address},
        {"port", c.port},
        {"transport", std::string(name_of(c.kind))},
        {"user", c.user},
        {"password", describe_secret_source(host.password_source)},
        {"connect_timeout_ms", c.connect_timeout.count()},
        {"command_timeout_ms", c.command_timeout.count()},
        {"max_output_bytes", c.max_output_bytes},
        {"groups", host.groups},
        {"vars", host.vars},
        {"jump", nlohmann::json::array()},
        {"origins", host.origins},
    };
    for (const auto& hop : c.jump)
        out["jump"].push_back({{"name", hop.name}, {"address", hop.address}, {"port", hop.port}, {"user", hop.user}});
    if (c.kind == transport_kind::winrm) {
        out["winrm"] = {
            {"scheme", std::string(name_of(c.winrm.scheme))},
            {"auth", std::string(name_of(c.winrm.auth))},
            {"ca_file", c.winrm.ca_file},
            {"insecure", c.winrm.insecure},
            {"allow_unencrypted", c.winrm.allow_unencrypted},
            {"cert_file", c.winrm.cert_file},
            {"key_file", c.winrm.key_file},
            {"spn", c.winrm.spn},
            {"tls_server_name", c.winrm.tls_server_name},
            {"path", c.winrm.path},
        };
    } else {
        out["ssh"] = {
            {"identity_file", c.ssh.identity_file},
            {"known_hosts", c.ssh.known_hosts},
            {"host_key_policy", std::string(name_of(c.ssh.key_policy))},
        };
    }
    return out;
}

std::string host_to_line(const host_entry& host) {
    const auto& c = host.connection;
    std::string line = host.name + "  ";
    if (c.kind == transport_kind::winrm) {
        line += "winrm " + std::string(name_of(c.winrm.scheme)) + "://" + c.address + ':' + std::to_string(c.port) +
                c.winrm.path + "  auth=" + std::string(name_of(c.winrm.auth));
        if (c.winrm.insecure) line += "  insecure";
    } else {
        line += "ssh " + c.address + ':' + std::to_string(c.port) + "  host_key_policy=" +
                std::string(name_of(c.ssh.key_policy));
    }
    if (!c.user.empty()) line += "  user=" + c.user;
    std::string hops;
    for (const auto& hop : c.jump) hops += (hops.empty() ? "" : ",") + hop.endpoint();
    if (!hops.empty()) line += "  jump=" + hops;
    line += "  password=" + describe_secret_source(host.password_source);
    std::string groups;
    for (const auto& g : host.groups) groups += (groups.empty() ? "" : ",") + g;
    if (!groups.empty()) line += "  groups=" + groups;
    for (const auto& [name, value] : host.vars) line += "  vars." + name + '=' + value;
    // Values an OpenSSH config file gave, with the file and line they came from.
    std::string from_config;
    for (const auto& [key, origin] : host.origins)
        if (origin.starts_with("ssh config "))
            from_config += (from_config.empty() ? "" : ",") + key + "<-" + origin.substr(11);
    if (!from_config.empty()) line += "  ssh_config=" + from_config;
    return line;
}

}  // namespace fleetmend
