#pragma once
/// One level of inventory settings ([defaults], a group, a host) as written,
/// before precedence merges the levels into a host's connection_settings.
/// Private to orchestrator/config.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/jump_spec.hpp"
#include "orchestrator/config/toml_reader.hpp"

#include <array>
#include <optional>

namespace fleetmend::config_detail {

/// A value with where it was written, for errors found after merging.
template <typename T>
struct located {
    T value;
    toml::source_region where;
    std::string key;
};

struct connection_layer {
    std::optional<transport_kind> transport;
    std::optional<std::string> user;
    std::optional<secret_source> password;
    std::optional<located<std::uint16_t>> port;
    std::optional<std::chrono::milliseconds> connect_timeout;
    std::optional<std::chrono::milliseconds> command_timeout;
    std::optional<std::size_t> max_output;
    /// Parsed `jump`; an empty list is "none" (an inherited jump switched off).
    std::optional<located<std::vector<jump_spec_hop>>> jump;

    struct winrm_layer {
        std::optional<located<winrm_scheme>> scheme;
        std::optional<located<std::uint16_t>> port;
        std::optional<located<winrm_auth>> auth;
        std::optional<std::string> ca_file, cert_file, key_file, spn, tls_server_name, path;
        std::optional<bool> insecure, allow_unencrypted;
    } winrm;

    struct ssh_layer {
        std::optional<std::string> identity_file, known_hosts;
        std::optional<located<std::string>> config_file;  // "": none
        std::optional<host_key_policy> key_policy;
        std::optional<located<std::uint16_t>> port;
    } ssh;

    std::map<std::string, std::string> vars;
};

/// The connection keys every level accepts, for check_keys lists.
inline constexpr std::array<std::string_view, 11> connection_keys = {
    "transport", "user", "password", "port", "connect_timeout", "command_timeout",
    "max_output", "jump", "winrm", "ssh", "vars"};

/// Reads the connection keys of `table` (other keys are the caller's).
[[nodiscard]] connection_layer read_connection_layer(const toml_reader& reader, const toml::table& table,
                                                     std::string_view path);

/// Applies `layer` over `settings` (set keys win) and merges vars.
void apply_layer(const connection_layer& layer, connection_settings& settings,
                 std::map<std::string, std::string>& vars, secret_source& password);

/// After all layers: picks the port for the chosen transport and checks
/// combinations that cannot work (Basic over plain HTTP, certificates without TLS).
void finish_connection(const toml_reader& reader, const std::vector<const connection_layer*>& layers,
                       connection_settings& settings);

/// The `jump` of the most specific level that sets one (null: none does).
[[nodiscard]] const located<std::vector<jump_spec_hop>>* winning_jump(
    const std::vector<const connection_layer*>& layers);

}  // namespace fleetmend::config_detail
