#pragma once
/// An OpenSSH client config file (~/.ssh/config) read the way `ssh -G NAME`
/// resolves it, for the keys fleetmend uses: HostName, User, Port,
/// IdentityFile, ProxyJump, UserKnownHostsFile, StrictHostKeyChecking.
/// Host blocks (patterns with * and ?, !negation), `Match all`,
/// `Match host|originalhost`, Include (globs, relative to ~/.ssh) and the
/// first-obtained-value-wins rule are honoured; each value keeps its file
/// and line.
///
/// Why not libssh's parser (ssh_options_parse_config): it only applies a
/// file to one session and cannot tell where a value came from (which
/// `fleetmend inventory` shows); libssh 0.10 turns ProxyJump into a
/// ProxyCommand running `ssh -W` (a process and a bastion login per host,
/// which the shared jump sessions exist to avoid); and StrictHostKeyChecking
/// cannot be read back from a session. It also lives in transports/, while
/// resolving settings is the inventory's job. So this is a small reader of
/// our own for these seven keywords; every other keyword is ignored, as ssh
/// ignores what it does not need for a connection.
#include "orchestrator/config/config_error.hpp"

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

struct ssh_config_value {
    std::string value;  // tokens (%h, %p, %r, %u, %d, %%) and ~ already expanded
    std::string file;
    int line = 0;

    /// "FILE:LINE", for `fleetmend inventory`.
    [[nodiscard]] std::string origin() const { return file + ":" + std::to_string(line); }
};

/// What the config says for one host name; unset keys are absent.
struct ssh_config_host {
    std::optional<ssh_config_value> host_name, user, port, identity_file, proxy_jump, known_hosts,
        strict_host_key_checking;
};

class ssh_client_config {
public:
    /// Reads `path` and what it includes. Errors carry file and line.
    [[nodiscard]] static std::expected<ssh_client_config, config_error> load(const std::string& path);

    /// The values `ssh -G name` would use. Port is checked (1-65535) and
    /// StrictHostKeyChecking is one of yes, no, ask, accept-new, off.
    [[nodiscard]] std::expected<ssh_config_host, config_error> resolve(const std::string& name) const;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    /// When a directive applies: a Host or Match line (inside the block around an Include).
    struct condition {
        enum class kind { host, match_all, match_host, never } what = kind::host;
        std::vector<std::string> patterns;
        const condition* parent = nullptr;
        [[nodiscard]] bool matches(std::string_view name) const;
    };
    struct directive {
        std::string keyword;  // lower case
        std::vector<std::string> args;
        std::string file;
        int line = 0;
        const condition* when = nullptr;  // null: before any Host or Match
    };

private:
    std::string path_;
    std::vector<std::shared_ptr<const condition>> conditions_;  // kept alive for directives
    std::vector<directive> directives_;
    friend class ssh_config_reader;
};

/// Glob match as OpenSSH's match_pattern: * and ?, case-insensitive.
[[nodiscard]] bool ssh_pattern_matches(std::string_view pattern, std::string_view text) noexcept;

/// A Host line's pattern list: some pattern matches and no !pattern does.
[[nodiscard]] bool ssh_pattern_list_matches(const std::vector<std::string>& patterns, std::string_view text) noexcept;

}  // namespace fleetmend
