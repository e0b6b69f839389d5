#include "orchestrator/config/connection_layer.hpp"

namespace fleetmend::config_detail {
namespace {

located<std::uint16_t> read_port(const toml_reader& reader, const toml::node& node, const std::string& key) {
    return {static_cast<std::uint16_t>(reader.integer(node, key, 1, 65535)), node.source(), key};
}

// Only a reference to where the password lives is kept: secrets must not live
// in inventories, and an error here must not echo what the user typed.
secret_source read_password(const toml_reader& reader, const toml::node& node, const std::string& key) {
    static constexpr const char* how =
        "use { env = \"VARIABLE\" }, { file = \"PATH\" }, { prompt = true } or { command = \"...\" }";
    const auto* table = node.as_table();
    if (table == nullptr)
        reader.fail(node, key,
                    std::string("a password must not be written in the inventory; ") + how);
    reader.check_keys(*table, key, {"env", "file", "prompt", "command"});
    if (table->size() != 1) reader.fail(node, key, std::string("expected exactly one source; ") + how);
    const auto entry = *table->begin();  // a proxy pair of references into the table
    const toml::key& source_key = entry.first;
    const toml::node& value = entry.second;
    const std::string sub = join_key(key, source_key.str());
    secret_source source;
    if (source_key == "env") {
        source.from = secret_source::kind::env;
        source.reference = reader.string(value, sub);
        if (source.reference.empty()) reader.fail(value, sub, "expected the name of an environment variable");
    } else if (source_key == "file") {
        source.from = secret_source::kind::file;
        source.reference = reader.file_path(value, sub);
    } else if (source_key == "prompt") {
        if (!reader.boolean(value, sub)) reader.fail(value, sub, "expected true (or leave the password out)");
        source.from = secret_source::kind::prompt;
    } else {
        source.from = secret_source::kind::command;
        source.reference = reader.string(value, sub);
        if (source.reference.empty()) reader.fail(value, sub, "expected a command line that prints the password");
    }
    return source;
}

std::map<std::string, std::string> read_vars(const toml_reader& reader, const toml::node& node,
                                             const std::string& key) {
    std::map<std::string, std::string> vars;
    for (const auto& [name, value] : reader.table(node, key)) {
        const std::string sub = join_key(key, name.str());
        if (const auto* s = value.as_string()) {
            vars[std::string(name.str())] = s->get();
        } else if (const auto* i = value.as_integer()) {
            vars[std::string(name.str())] = std::to_string(i->get());
        } else if (const auto* b = value.as_boolean()) {
            vars[std::string(name.str())] = b->get() ? "true" : "false";
        } else {
            reader.fail(value, sub, "expected a string, an integer or a boolean, got " + describe_value(value));
        }
    }
    return vars;
}

void read_winrm(const toml_reader& reader, const toml::node& node, const std::string& path,
                connection_layer::winrm_layer& out) {
    const auto& table = reader.table(node, path);
    reader.check_keys(table, path,
                      {"scheme", "port", "auth", "ca_file", "insecure", "allow_unencrypted", "cert_file",
                       "key_file", "spn", "tls_server_name", "path"});
    for (const auto& [k, v] : table) {
        const std::string key = join_key(path, k.str());
        if (k == "scheme") out.scheme = located<winrm_scheme>{reader.choice(v, key, winrm_scheme_names()), v.source(), key};
        else if (k == "port") out.port = read_port(reader, v, key);
        else if (k == "auth") out.auth = located<winrm_auth>{reader.choice(v, key, winrm_auth_names()), v.source(), key};
        else if (k == "ca_file") out.ca_file = reader.file_path(v, key);
        else if (k == "insecure") out.insecure = reader.boolean(v, key);
        else if (k == "allow_unencrypted") out.allow_unencrypted = reader.boolean(v, key);
        else if (k == "cert_file") out.cert_file = reader.file_path(v, key);
        else if (k == "key_file") out.key_file = reader.file_path(v, key);
        else if (k == "spn") out.spn = reader.string(v, key);
        else if (k == "tls_server_name") {
            out.tls_server_name = reader.string(v, key);
            if (out.tls_server_name->empty() || out.tls_server_name->find_first_of(" /:@") != std::string::npos)
                reader.fail(v, key, "expected the host name (or IP address) the certificate is issued for, "
                                    "such as \"web07.corp.example\"");
        }
        else if (k == "path") {
            out.path = reader.string(v, key);
            if (!out.path->starts_with('/')) reader.fail(v, key, "expected a URL path starting with '/', such as \"/wsman\"");
        }
    }
}

void read_ssh(const toml_reader& reader, const toml::node& node, const std::string& path,
              connection_layer::ssh_layer& out) {
    const auto& table = reader.table(node, path);
    reader.check_keys(table, path, {"identity_file", "known_hosts", "host_key_policy", "port", "config_file"});
    for (const auto& [k, v] : table) {
        const std::string key = join_key(path, k.str());
        if (k == "identity_file") out.identity_file = reader.file_path(v, key);
        else if (k == "known_hosts") out.known_hosts = reader.file_path(v, key);
        else if (k == "host_key_policy") out.key_policy = reader.choice(v, key, host_key_policy_names());
        else if (k == "port") out.port = read_port(reader, v, key);
        else if (k == "config_file") {
            // "" turns the default ~/.ssh/config off.
            std::string path = reader.string(v, key);
            out.config_file = located<std::string>{path.empty() ? path : reader.file_path(v, key), v.source(), key};
        }
    }
}

// The winning `winrm.auth`: the most specific level that sets it.
const located<winrm_auth>* winning_auth(const std::vector<const connection_layer*>& layers) {
    for (auto it = layers.rbegin(); it != layers.rend(); ++it)
        if ((*it)->winrm.auth) return &*(*it)->winrm.auth;
    return nullptr;
}

}  // namespace

const located<std::vector<jump_spec_hop>>* winning_jump(const std::vector<const connection_layer*>& layers) {
    for (auto it = layers.rbegin(); it != layers.rend(); ++it)
        if ((*it)->jump) return &*(*it)->jump;
    return nullptr;
}

connection_layer read_connection_layer(const toml_reader& reader, const toml::table& table, std::string_view path) {
    connection_layer layer;
    for (const auto& [k, v] : table) {
        const std::string key = join_key(path, k.str());
        if (k == "transport") layer.transport = reader.choice(v, key, transport_kind_names());
        else if (k == "user") layer.user = reader.string(v, key);
        else if (k == "password") layer.password = read_password(reader, v, key);
        else if (k == "port") layer.port = read_port(reader, v, key);
        else if (k == "connect_timeout") layer.connect_timeout = reader.duration(v, key);
        else if (k == "command_timeout") layer.command_timeout = reader.duration(v, key);
        else if (k == "max_output") layer.max_output = static_cast<std::size_t>(reader.byte_size(v, key));
        else if (k == "jump") {
            auto hops = parse_jump(reader.string(v, key));
            if (!hops) reader.fail(v, key, hops.error());
            layer.jump = located<std::vector<jump_spec_hop>>{std::move(*hops), v.source(), key};
        }
        else if (k == "winrm") read_winrm(reader, v, key, layer.winrm);
        else if (k == "ssh") read_ssh(reader, v, key, layer.ssh);
        else if (k == "vars") layer.vars = read_vars(reader, v, key);
    }
    return layer;
}

void apply_layer(const connection_layer& layer, connection_settings& s, std::map<std::string, std::string>& vars,
                 secret_source& password) {
    if (layer.transport) s.kind = *layer.transport;
    if (layer.user) s.user = *layer.user;
    if (layer.password) password = *layer.password;
    if (layer.connect_timeout) s.connect_timeout = *layer.connect_timeout;
    if (layer.command_timeout) s.command_timeout = *layer.command_timeout;
    if (layer.max_output) s.max_output_bytes = *layer.max_output;
    const auto& w = layer.winrm;
    if (w.scheme) s.winrm.scheme = w.scheme->value;
    if (w.auth) s.winrm.auth = w.auth->value;
    if (w.ca_file) s.winrm.ca_file = *w.ca_file;
    if (w.insecure) s.winrm.insecure = *w.insecure;
    if (w.allow_unencrypted) s.winrm.allow_unencrypted = *w.allow_unencrypted;
    if (w.cert_file) s.winrm.cert_file = *w.cert_file;
    if (w.key_file) s.winrm.key_file = *w.key_file;
    if (w.spn) s.winrm.spn = *w.spn;
    if (w.tls_server_name) s.winrm.tls_server_name = *w.tls_server_name;
    if (w.path) s.winrm.path = *w.path;
    if (layer.ssh.identity_file) s.ssh.identity_file = *layer.ssh.identity_file;
    if (layer.ssh.known_hosts) s.ssh.known_hosts = *layer.ssh.known_hosts;
    if (layer.ssh.key_policy) s.ssh.key_policy = *layer.ssh.key_policy;
    for (const auto& [name, value] : layer.vars) vars[name] = value;
}

void finish_connection(const toml_reader& reader, const std::vector<const connection_layer*>& layers,
                       connection_settings& s) {
    const std::string host = "host '" + s.host_name + "': ";
    // Port: the most specific level wins; within one level the transport's own
    // table (winrm.port, ssh.port) is more specific than the plain `port`.
    s.port = 0;
    for (auto it = layers.rbegin(); it != layers.rend() && s.port == 0; ++it) {
        const auto& own = s.kind == transport_kind::ssh ? (*it)->ssh.port : (*it)->winrm.port;
        if (own) s.port = own->value;
        else if ((*it)->port) s.port = (*it)->port->value;
    }
    if (s.port == 0) {
        s.port = s.kind == transport_kind::ssh                  ? 22
                 : s.winrm.scheme == winrm_scheme::https ? 5986
                                                         : 5985;
    }
    if (s.kind != transport_kind::winrm) return;
    const auto* auth = winning_auth(layers);
    if (s.winrm.scheme == winrm_scheme::http && s.winrm.auth == winrm_auth::basic && !s.winrm.allow_unencrypted) {
        toml::source_region where = auth ? auth->where : toml::source_region{};
        reader.fail(where, auth ? auth->key : std::string{},
                    host + "auth = \"basic\" over http would send the password readable on the network; "
                           "use scheme = \"https\" or set winrm.allow_unencrypted = true");
    }
    if (s.winrm.auth == winrm_auth::certificate) {
        toml::source_region where = auth ? auth->where : toml::source_region{};
        const std::string key = auth ? auth->key : std::string{};
        if (s.winrm.scheme != winrm_scheme::https)
            reader.fail(where, key, host + "auth = \"certificate\" needs scheme = \"https\"");
        if (s.winrm.cert_file.empty() || s.winrm.key_file.empty())
            reader.fail(where, key, host + "auth = \"certificate\" needs winrm.cert_file and winrm.key_file");
    }
}

}  // namespace fleetmend::config_detail
