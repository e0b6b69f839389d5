#pragma once
/// A pure model of one Windows host's Teredo configuration and the text its
/// tools print (netsh, the NetTeredo cmdlets, reg). Output is byte-exact with
/// Windows (CRLF line ends), see docs/TEREDO.md. No I/O here.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// A Windows Firewall rule as `netsh advfirewall firewall add rule` made it.
struct firewall_rule {
    std::string name, dir = "In", action = "Block", protocol = "Any", localport = "Any";
    bool enabled = true;
};

/// An IP Helper (Microsoft-Windows-Iphlpsvc) event in the System log.
struct iphlpsvc_event {
    int id = 0;
    std::string message;
    std::string date;  // 2026-12-03T08:12:44.000
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
    /// Teredo_State as written with `reg add` (kept as typed); none: the
    /// policy value comes from policy_type (Group Policy) or is absent.
    std::optional<std::string> policy_text;
    std::vector<firewall_rule> firewall_rules;
    std::vector<iphlpsvc_event> events;                   // oldest first
    /// The host reaches its smoke target only through Teredo (no native IPv6):
    /// ping fails while Teredo is disabled.
    bool needs_teredo = false;
    std::string short_name = "WIN";                       // what Computer: shows in events

    /// The policy value wins over the local type (as written with reg add, else Group Policy's).
    [[nodiscard]] teredo_type effective_type() const noexcept;
    [[nodiscard]] bool policy_set() const noexcept { return policy_type || policy_text; }
};

/// Records the IP Helper event (4200 up, 4201 no longer active) when the
/// effective type turned Teredo on or off since `before`.
void note_type_change(teredo_host& host, teredo_type before);

/// `netsh interface teredo show state`.
[[nodiscard]] command_output netsh_show_state(const teredo_host& host);
/// `netsh interface teredo set state <args>`; args as typed after "set state"
/// ("type=disabled", "disabled", "type=client servername=...").
[[nodiscard]] command_output netsh_set_state(teredo_host& host, std::string_view args);
/// `reg query HKLM\Software\Policies\Microsoft\Windows\TCPIP\v6Transition /v Teredo_State`.
[[nodiscard]] command_output reg_query_teredo_policy(const teredo_host& host, std::string_view key_as_typed);
/// `Get-NetTeredoConfiguration` as PowerShell's default formatting prints it.
[[nodiscard]] std::string get_net_teredo_configuration(const teredo_host& host);
/// `reg add|delete HKLM\...\v6Transition /v Teredo_State ...` (args after "reg").
[[nodiscard]] command_output reg_change_teredo_policy(teredo_host& host, const std::vector<std::string>& words);
/// `netsh advfirewall firewall add|show|delete rule ...`; words after "firewall".
[[nodiscard]] command_output netsh_advfirewall(teredo_host& host, const std::vector<std::string>& words);
/// `wevtutil qe System /q:"...Iphlpsvc..." /c:N /rd:true /f:text`.
[[nodiscard]] command_output wevtutil_query(const teredo_host& host, const std::vector<std::string>& words);
/// `ping -n N TARGET`.
[[nodiscard]] command_output ping(const teredo_host& host, const std::vector<std::string>& words);
/// `dir \\server\share`.
[[nodiscard]] command_output dir_share(const teredo_host& host, std::string_view path);

/// `Set-NetTeredoConfiguration -Type X`: empty string on success, else the
/// error text PowerShell writes to the error stream.
[[nodiscard]] std::string set_net_teredo_configuration(teredo_host& host, std::string_view type);

}  // namespace fleetmend::lab
