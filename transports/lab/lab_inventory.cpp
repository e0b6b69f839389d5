#include "transports/lab/lab_inventory.hpp"

#include <filesystem>
#include <fstream>
#include <map>

namespace fleetmend::lab {
namespace {

// TOML basic string with escapes (paths and names are ASCII in practice).
std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

std::string lab_inventory_text(const scenario& s, const std::vector<host_spec>& hosts, const std::string& password_file,
                               const std::string& ca_file, const std::string& known_hosts) {
    std::string out;
    out += "# Written by `fleetmend lab` for scenario " + toml_string(s.name) + " (" + std::to_string(hosts.size()) +
           " simulated Windows hosts on loopback).\n# Rewritten at every lab start; copy it before editing.\n\n";
    out += "[defaults]\ntransport = \"winrm\"\n";
    out += "user = " + toml_string(s.domain + "\\" + s.user) + "\n";
    out += "password = { file = " + toml_string(password_file) + " }\n";
    out += "connect_timeout = \"5s\"\ncommand_timeout = \"60s\"\n\n";
    out += "[defaults.winrm]\nca_file = " + toml_string(ca_file) + "\n\n";

    std::map<std::string, std::vector<const host_spec*>> members;
    for (const auto& h : hosts) members[h.group].push_back(&h);
    for (const auto& g : s.groups) {
        const auto it = members.find(g.name);
        if (it == members.end()) continue;
        out += "[groups." + toml_string(g.name) + "]\n";
        if (g.transport == lab_transport::ssh) {
            // Windows OpenSSH takes the local account name; libssh refuses a backslash in it.
            out += "transport = \"ssh\"\nuser = " + toml_string(s.user) + "\n";
            out += "ssh = { port = " + std::to_string(s.ssh_port) + ", known_hosts = " + toml_string(known_hosts) +
                   ", host_key_policy = \"strict\" }\n";
        } else {
            out += "winrm = { scheme = " + toml_string(to_string(g.scheme)) + ", auth = " + toml_string(to_string(g.auth)) +
                   " }\n";
        }
        out += "hosts = [";
        for (std::size_t i = 0; i < it->second.size(); ++i) out += (i ? ", " : "") + toml_string(it->second[i]->name);
        out += "]\n\n";
    }
    out += "[groups.windows]\nchildren = [";
    bool first = true;
    for (const auto& g : s.groups) {
        if (!members.contains(g.name)) continue;
        out += (first ? "" : ", ") + toml_string(g.name);
        first = false;
    }
    out += "]\n\n";
    for (const auto& h : hosts) {
        out += "[hosts." + toml_string(h.name) + "]\naddress = " + toml_string(h.address) + "\n";
        if (h.transport == lab_transport::ssh) {
            out += "\n";
            continue;
        }
        const std::uint16_t port = h.scheme == lab_scheme::https ? s.https_port : s.http_port;
        if (port != (h.scheme == lab_scheme::https ? 5986 : 5985)) out += "port = " + std::to_string(port) + "\n";
        out += "\n";
    }
    return out;
}

std::expected<void, std::string> write_lab_inventory(const std::string& path, const scenario& s,
                                                     const std::vector<host_spec>& hosts,
                                                     const std::string& password_file, const std::string& ca_file,
                                                     const std::string& known_hosts) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) return std::unexpected("cannot write the inventory " + path + ": check the folder exists");
        out << lab_inventory_text(s, hosts, password_file, ca_file, known_hosts);
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) return std::unexpected("cannot write the inventory " + path + ": " + ec.message());
    return {};
}

}  // namespace fleetmend::lab
