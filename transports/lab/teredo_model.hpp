#pragma once
/// A pure model of one Windows host's Teredo configuration and the text its
/// tools print (netsh, the NetTeredo cmdlets, reg). Output is byte-exact with
/// Windows (CRLF line ends), see shared/spec/TEREDO.md. No I/O here.
#include <optional>
#include <string>
#include <string_view>

namespace fleetmend::lab {

/// The Teredo types netsh knows (`set state type=X`).
enum class teredo_type { disabled, client, enterpriseclient, natawareclient, server, default_type };

/// netsh's lower-case spelling ("default" for default_type).
[[nodiscard]] std::string_view to_netsh(teredo_type type) noexcept;
/// Parses a netsh type name, case-insensitive; nullopt for anything else
/// (note "enabled" is not a type).
[[nodiscard]] std::optional<teredo_type> parse_teredo_type(std::string_view text) noexcept;

/// What a command printed and returned, as a Windows process would.
struct command_output {
    std::string stdout_text;
    std::string stderr_text;
    int exit_code = 0;
};

/// One host's Teredo configuration.
struct teredo_host {
    teredo_type local_type = teredo_type::default_type;  // what `set state` changes
    std::optional<teredo_type> policy_type;               // set by Group Policy: wins over local
    bool elevated = true;                                 // the WinRM user is an administrator
    /// Group Policy refresh re-enables Teredo after a local change away from it.
    std::optional<teredo_type> policy_reenables;
    std::string state_when_active = "qualified";          // qualified, dormant, offline, ...
    std::string local_address = "192.168.10.20";          // for the qualified-client lines
    unsigned applies = 0;                                 // `set state` calls that succeeded

    [[nodiscard]] teredo_type effective_type() const noexcept { return policy_type.value_or(local_type); }
};

/// `netsh interface teredo show state`.
[[nodiscard]] command_output netsh_show_state(const teredo_host& host);
/// `netsh interface teredo set state <args>`; args as typed after "set state"
/// ("type=disabled", "disabled", "type=client servername=...").
[[nodiscard]] command_output netsh_set_state(teredo_host& host, std::string_view args);
/// `reg query HKLM\Software\Policies\Microsoft\Windows\TCPIP\v6Transition /v Teredo_State`.
[[nodiscard]] command_output reg_query_teredo_policy(const teredo_host& host, std::string_view key_as_typed);
/// `Get-NetTeredoConfiguration` as PowerShell's default formatting prints it.
[[nodiscard]] std::string get_net_teredo_configuration(const teredo_host& host);
/// `Set-NetTeredoConfiguration -Type X`: empty string on success, else the
/// error text PowerShell writes to the error stream.
[[nodiscard]] std::string set_net_teredo_configuration(teredo_host& host, std::string_view type);

}  // namespace fleetmend::lab
