// Text shapes follow Windows 10/11 and Server 2016+ (docs/TEREDO.md).
#include "transports/lab/teredo_model.hpp"
#include "transports/encoding/ascii_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace fleetmend::lab {
namespace {

constexpr std::string_view crlf = "\r\n";

using encoding::lower;
using encoding::trim;

/// Now as the Event Log prints it (local time; the lab's zone is UTC).
std::string event_date() {
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const auto day = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss time{now - day};
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

void line(std::string& out, std::string_view label, std::string_view value) {
    // netsh pads labels to 24 columns then ": ".
    out += label;
    out.append(label.size() < 24 ? 24 - label.size() : 1, ' ');
    out += ": ";
    out += value;
    out += crlf;
}

const std::string_view syntax_error =
    "The syntax supplied for this command is not valid. Check help for the correct syntax.\r\n"
    "\r\n"
    "Usage: set state [[type=]disabled|client|enterpriseclient|server|default|natawareclient]\r\n"
    "             [[servername=]<string>|default] [[refreshinterval=]<integer>|default]\r\n"
    "             [[clientport=]<integer>|default]\r\n"
    "\r\n";

// PowerShell prints the NetTeredo Type enum capitalised.
std::string_view to_powershell(teredo_type type) noexcept {
    switch (type) {
        case teredo_type::disabled: return "Disabled";
        case teredo_type::client: return "Client";
        case teredo_type::enterpriseclient: return "Enterpriseclient";
        case teredo_type::natawareclient: return "Natawareclient";
        case teredo_type::server: return "Server";
        case teredo_type::default_type: return "Default";
    }
    return "Default";
}

// Registry spelling of the policy value (REG_SZ).
std::string_view to_policy_value(teredo_type type) noexcept {
    switch (type) {
        case teredo_type::disabled: return "Disabled";
        case teredo_type::client: return "Client";
        case teredo_type::enterpriseclient: return "Enterprise Client";
        case teredo_type::natawareclient: return "Client";
        case teredo_type::server: return "Default";
        case teredo_type::default_type: return "Default";
    }
    return "Default";
}

void apply_local(teredo_host& host, teredo_type type) {
    const teredo_type before = host.effective_type();
    host.local_type = type;
    ++host.applies;
    // A policy refresh puts Teredo back after someone turned it off locally.
    if (host.policy_reenables && type == teredo_type::disabled && before != teredo_type::disabled)
        host.policy_type = *host.policy_reenables;
    note_type_change(host, before);
}

}  // namespace

teredo_type teredo_host::effective_type() const noexcept {
    if (policy_text) return parse_teredo_type(*policy_text).value_or(local_type);
    return policy_type.value_or(local_type);
}

void note_type_change(teredo_host& host, teredo_type before) {
    const teredo_type after = host.effective_type();
    const bool was_on = before != teredo_type::disabled, is_on = after != teredo_type::disabled;
    if (was_on == is_on) return;
    // Event texts of the IP Helper service (4200 brought up, 4201 no longer active).
    host.events.push_back(is_on ? iphlpsvc_event{4200, "Teredo interface Teredo Tunneling Pseudo-Interface with address "
                                                       "2001:0:4137:9e76:2087:77a:53ef:7527 has been brought up.", event_date()}
                                : iphlpsvc_event{4201, "Teredo interface Teredo Tunneling Pseudo-Interface is no longer active.",
                                                 event_date()});
}

std::string_view to_netsh(teredo_type type) noexcept {
    switch (type) {
        case teredo_type::disabled: return "disabled";
        case teredo_type::client: return "client";
        case teredo_type::enterpriseclient: return "enterpriseclient";
        case teredo_type::natawareclient: return "natawareclient";
        case teredo_type::server: return "server";
        case teredo_type::default_type: return "default";
    }
    return "default";
}

std::optional<teredo_type> parse_teredo_type(std::string_view text) noexcept {
    static constexpr std::array all{teredo_type::disabled, teredo_type::client, teredo_type::enterpriseclient,
                                    teredo_type::natawareclient, teredo_type::server, teredo_type::default_type};
    const std::string wanted = lower(trim(text));
    for (teredo_type type : all)
        if (wanted == to_netsh(type)) return type;
    if (wanted == "enterprise client") return teredo_type::enterpriseclient;
    return std::nullopt;
}

command_output netsh_show_state(const teredo_host& host) {
    const teredo_type type = host.effective_type();
    std::string type_text(to_netsh(type));
    if (host.policy_set()) type_text += " (Group Policy)";

    std::string out = "Teredo Parameters\r\n---------------------------------------------\r\n";
    line(out, "Type", type_text);
    line(out, "Server Name", type == teredo_type::server ? "unspecified" : "teredo.ipv6.microsoft.com.");
    line(out, "Client Refresh Interval", "30 seconds");
    line(out, "Client Port", "unspecified");
    if (type == teredo_type::disabled) {
        line(out, "State", "offline");
        line(out, "Error", "none");
    } else if (type == teredo_type::server) {
        line(out, "State", "online");
        line(out, "Error", "none");
    } else if (host.state_when_active == "qualified") {
        line(out, "State", "qualified");
        line(out, "Client Type", "teredo client");
        line(out, "Network", type == teredo_type::enterpriseclient ? "managed" : "unmanaged");
        line(out, "NAT", "restricted");
        line(out, "NAT Special Behaviour", "UPNP: No, PortPreserving: Yes");
        line(out, "Local Mapping", host.local_address + ":50433");
        line(out, "External NAT Mapping", "203.0.113.7:50433");
    } else {
        line(out, "State", host.state_when_active);
        line(out, "Error", host.state_when_active == "offline" ? "client is in a managed network" : "none");
    }
    return {std::move(out), {}, 0};
}

command_output netsh_set_state(teredo_host& host, std::string_view args) {
    args = trim(args);
    std::string_view first = args.substr(0, args.find_first_of(" \t"));
    if (const auto eq = first.find('='); eq != std::string_view::npos) {
        if (lower(first.substr(0, eq)) != "type") return {std::string(syntax_error), {}, 1};
        first = first.substr(eq + 1);
    }
    const auto type = parse_teredo_type(first);
    if (!type || first.empty()) return {std::string(syntax_error), {}, 1};
    if (!host.elevated)
        return {"The requested operation requires elevation (Run as administrator).\r\n\r\n", {}, 1};
    apply_local(host, *type);
    return {"Ok.\r\n\r\n", {}, 0};
}

command_output reg_query_teredo_policy(const teredo_host& host, std::string_view key_as_typed) {
    if (!host.policy_type && !host.policy_text)
        return {{}, "ERROR: The system was unable to find the specified registry key or value.\r\n", 1};
    std::string key(trim(key_as_typed));
    // reg prints the hive spelled out, the rest of the path as typed.
    if (lower(key).starts_with("hklm\\")) key = "HKEY_LOCAL_MACHINE" + key.substr(4);
    std::string out = "\r\n" + key + "\r\n    Teredo_State    REG_SZ    ";
    out += host.policy_text ? std::string_view(*host.policy_text) : to_policy_value(*host.policy_type);
    out += "\r\n\r\n";
    return {std::move(out), {}, 0};
}

std::string get_net_teredo_configuration(const teredo_host& host) {
    std::string out = "\r\n\r\n";
    const auto field = [&out](std::string_view name, std::string_view value) {
        out += name;
        out.append(23 - name.size(), ' ');
        out += ": ";
        out += value;
        out += crlf;
    };
    field("PolicyStore", "ActiveStore");
    field("Type", to_powershell(host.effective_type()));
    field("ServerName", "win10.ipv6.microsoft.com");
    field("RefreshIntervalSeconds", "");
    field("ClientPort", "");
    field("ServerVirtualIP", "");
    field("DefaultQualified", "");
    field("ServerShunt", "");
    out += "\r\n\r\n\r\n";
    return out;
}

std::string set_net_teredo_configuration(teredo_host& host, std::string_view type_text) {
    const auto type = parse_teredo_type(type_text);
    if (!type)
        return "Set-NetTeredoConfiguration : Cannot bind parameter 'Type'. Cannot convert value \"" +
               std::string(type_text) +
               "\" to type \"Type\". Error: \"Unable to match the identifier name " + std::string(type_text) +
               " to a valid enumerator name. Specify one of the following enumerator names and try again:\r\n"
               "Default, Client, Enterpriseclient, Disabled\"";
    if (!host.elevated)
        return "Set-NetTeredoConfiguration : Access denied \r\n"
               "    + CategoryInfo          : PermissionDenied: (MSFT_NetTeredoConfiguration:ROOT/StandardCimv2/MSFT_NetTeredoConfiguration) [Set-NetTeredoConfiguration], CimException\r\n"
               "    + FullyQualifiedErrorId : Windows System Error 5,Set-NetTeredoConfiguration";
    apply_local(host, *type);
    return {};
}

}  // namespace fleetmend::lab
