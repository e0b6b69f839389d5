// The other Windows tools the Teredo playbooks use, as Windows prints them:
// reg add/delete of the Teredo_State policy value, netsh advfirewall rules,
// wevtutil's text format for IP Helper events, ping, and dir of a share.
#include "transports/lab/teredo_model.hpp"
#include "transports/encoding/ascii_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace fleetmend::lab {
namespace {

using encoding::lower;

const std::string_view not_found = "ERROR: The system was unable to find the specified registry key or value.\r\n";
const std::string_view done = "The operation completed successfully.\r\n\r\n";
const std::string_view elevation = "The requested operation requires elevation (Run as administrator).\r\n\r\n";

bool is_teredo_key(std::string_view key) {
    const std::string k = lower(key);
    return k == "hklm\\software\\policies\\microsoft\\windows\\tcpip\\v6transition" ||
           k == "hkey_local_machine\\software\\policies\\microsoft\\windows\\tcpip\\v6transition";
}

/// The value after a reg switch ("/v", "/d", "/t"), if given.
std::optional<std::string> switch_value(const std::vector<std::string>& words, std::string_view name) {
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
        if (lower(words[i]) == name) return words[i + 1];
    return std::nullopt;
}

bool has_switch(const std::vector<std::string>& words, std::string_view name) {
    return std::ranges::any_of(words, [&](const std::string& w) { return lower(w) == name; });
}

/// netsh's "name=value" arguments, names lower-cased.
std::optional<std::string> netsh_arg(const std::vector<std::string>& words, std::string_view name) {
    for (const auto& w : words) {
        const auto eq = w.find('=');
        if (eq != std::string::npos && lower(std::string_view(w).substr(0, eq)) == name) return w.substr(eq + 1);
    }
    return std::nullopt;
}

std::string padded(std::string_view label, std::string_view value) {
    std::string out(label);
    out.append(label.size() < 38 ? 38 - label.size() : 1, ' ');
    return out + std::string(value) + "\r\n";
}

std::string capitalised(std::string_view word) {
    std::string out = lower(word);
    if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    return out;
}

}  // namespace

command_output reg_change_teredo_policy(teredo_host& host, const std::vector<std::string>& words) {
    // words: add|delete KEY [/v NAME] [/t TYPE] [/d DATA] [/f]
    const std::string verb = words.empty() ? "" : lower(words[0]);
    if (words.size() < 2 || (verb != "add" && verb != "delete"))
        return {{}, "ERROR: Invalid syntax.\r\nType \"REG /?\" for usage.\r\n", 1};
    const auto value = switch_value(words, "/v");
    if (!is_teredo_key(words[1]) || !value || lower(*value) != "teredo_state")
        return {{}, std::string(verb == "delete" ? not_found : "ERROR: Access is denied.\r\n"), 1};
    if (!host.elevated) return {{}, "ERROR: Access is denied.\r\n", 1};
    // Without /f reg asks "Value Teredo_State exists, overwrite(Yes/No)?"; the
    // playbooks always pass /f, so the lab does not model the prompt.
    if (!has_switch(words, "/f")) return {{}, "ERROR: the lab models reg add/delete with /f only.\r\n", 1};
    const teredo_type before = host.effective_type();
    if (verb == "delete") {
        if (!host.policy_text && !host.policy_type) return {{}, std::string(not_found), 1};
        host.policy_text.reset();
        host.policy_type.reset();
    } else {
        const auto type = switch_value(words, "/t");
        if (type && lower(*type) != "reg_sz")
            return {{}, "ERROR: Invalid syntax.\r\nType \"REG ADD /?\" for usage.\r\n", 1};
        host.policy_text = switch_value(words, "/d").value_or("");
    }
    note_type_change(host, before);
    return {std::string(done), {}, 0};
}

command_output netsh_advfirewall(teredo_host& host, const std::vector<std::string>& words) {
    // words: add|show|delete rule name=... [dir=in] [action=block] [protocol=udp] [localport=3544]
    if (words.size() < 2 || lower(words[1]) != "rule")
        return {"The following command was not found: advfirewall firewall.\r\n", {}, 1};
    const std::string verb = lower(words[0]);
    const auto name = netsh_arg(words, "name");
    if (!name) return {"One or more essential parameters were not entered.\r\nVerify the required parameters, and reenter them.\r\n", {}, 1};
    auto matches = [&](const firewall_rule& r) {
        if (lower(r.name) != lower(*name)) return false;
        for (const auto* key : {"dir", "protocol", "localport"}) {
            const auto wanted = netsh_arg(words, key);
            const std::string& have = std::string_view(key) == "dir" ? r.dir : std::string_view(key) == "protocol" ? r.protocol : r.localport;
            if (wanted && lower(*wanted) != lower(have)) return false;
        }
        return true;
    };
    if (verb == "show") {
        std::string out = "\r\n";
        bool any = false;
        for (const auto& r : host.firewall_rules) {
            if (!matches(r)) continue;
            any = true;
            out += padded("Rule Name:", r.name);
            out += "----------------------------------------------------------------------\r\n";
            out += padded("Enabled:", r.enabled ? "Yes" : "No");
            out += padded("Direction:", r.dir);
            out += padded("Profiles:", "Domain,Private,Public");
            out += padded("Grouping:", "");
            out += padded("LocalIP:", "Any");
            out += padded("RemoteIP:", "Any");
            out += padded("Protocol:", r.protocol);
            out += padded("LocalPort:", r.localport);
            out += padded("RemotePort:", "Any");
            out += padded("Edge traversal:", "No");
            out += padded("Action:", r.action);
            out += "\r\n";
        }
        if (!any) return {"No rules match the specified criteria.\r\n\r\n", {}, 1};
        return {out + "Ok.\r\n\r\n", {}, 0};
    }
    if (!host.elevated) return {std::string(elevation), {}, 1};
    if (verb == "add") {
        const auto dir = netsh_arg(words, "dir");
        const auto action = netsh_arg(words, "action");
        if (!dir || !action)
            return {"One or more essential parameters were not entered.\r\nVerify the required parameters, and reenter them.\r\n", {}, 1};
        firewall_rule rule;
        rule.name = *name;
        rule.dir = capitalised(*dir);
        rule.action = capitalised(*action);
        rule.protocol = lower(netsh_arg(words, "protocol").value_or("any"));
        if (rule.protocol == "any") rule.protocol = "Any";
        else std::ranges::transform(rule.protocol, rule.protocol.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        rule.localport = netsh_arg(words, "localport").value_or("Any");
        host.firewall_rules.push_back(std::move(rule));  // netsh allows rules of the same name
        return {"Ok.\r\n\r\n", {}, 0};
    }
    if (verb == "delete") {
        const auto before = host.firewall_rules.size();
        std::erase_if(host.firewall_rules, matches);
        const auto deleted = before - host.firewall_rules.size();
        if (deleted == 0) return {"No rules match the specified criteria.\r\n\r\n", {}, 1};
        return {"\r\nDeleted " + std::to_string(deleted) + " rule(s).\r\nOk.\r\n\r\n", {}, 0};
    }
    return {"The following command was not found: advfirewall firewall " + std::string(words[0]) + ".\r\n", {}, 1};
}

command_output wevtutil_query(const teredo_host& host, const std::vector<std::string>& words) {
    // words: qe LOG [/q:XPATH] [/c:N] [/rd:true] [/f:text]
    if (words.size() < 2 || lower(words[0]) != "qe") return {{}, "The parameter is incorrect.\r\n", 87};
    if (lower(words[1]) != "system")
        return {{}, "Failed to read events. The specified channel could not be found.\r\n", 15007};
    std::size_t count = host.events.size();
    bool newest_first = false, only_iphlpsvc = false;
    for (std::size_t i = 2; i < words.size(); ++i) {
        const std::string w = lower(words[i]);
        if (w.starts_with("/c:")) count = std::min<std::size_t>(count, std::strtoul(w.c_str() + 3, nullptr, 10));
        else if (w == "/rd:true") newest_first = true;
        else if (w.starts_with("/q:")) only_iphlpsvc = w.find("microsoft-windows-iphlpsvc") != std::string::npos;
    }
    std::vector<const iphlpsvc_event*> chosen;
    for (const auto& e : host.events) chosen.push_back(&e);
    (void)only_iphlpsvc;  // the lab's System log holds only IP Helper events: a query for all gets the same
    if (newest_first) std::ranges::reverse(chosen);
    if (chosen.size() > count) chosen.resize(count);
    std::string out;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const auto& e = *chosen[i];
        out += "Event[" + std::to_string(i) + "]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-Iphlpsvc\r\n"
               "  Date: " + e.date + "\r\n  Event ID: " + std::to_string(e.id) +
               "\r\n  Task: N/A\r\n  Level: Information\r\n  Opcode: Info\r\n  Keyword: N/A\r\n  User: S-1-5-18\r\n"
               "  User Name: NT AUTHORITY\\SYSTEM\r\n  Computer: " + host.short_name + "\r\n  Description: \r\n" +
               e.message + "\r\n\r\n";
    }
    return {out, {}, 0};
}

command_output ping(const teredo_host& host, const std::vector<std::string>& words) {
    std::string target;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string w = lower(words[i]);
        if ((w == "-n" || w == "-w" || w == "-l" || w == "-i") && i + 1 < words.size()) ++i;
        else if (!w.starts_with("-")) target = words[i];
    }
    if (target.empty()) return {"IP address must be specified.\r\n", {}, 1};
    const bool ok = !(host.needs_teredo && host.effective_type() == teredo_type::disabled);
    std::string out = "\r\nPinging " + target + " with 32 bytes of data:\r\n";
    out += ok ? "Reply from " + target + ": bytes=32 time<1ms TTL=128\r\n" : std::string("Request timed out.\r\n");
    out += "\r\nPing statistics for " + target + ":\r\n";
    out += ok ? "    Packets: Sent = 1, Received = 1, Lost = 0 (0% loss),\r\n"
                "Approximate round trip times in milli-seconds:\r\n    Minimum = 0ms, Maximum = 0ms, Average = 0ms\r\n"
              : "    Packets: Sent = 1, Received = 0, Lost = 1 (100% loss),\r\n";
    return {out, {}, ok ? 0 : 1};
}

command_output dir_share(const teredo_host& host, std::string_view path) {
    if (!path.starts_with("\\\\") || (host.needs_teredo && host.effective_type() == teredo_type::disabled))
        return {{}, "The network path was not found.\r\n", 1};
    return {" Volume in drive " + std::string(path) + " has no label.\r\n Volume Serial Number is 5C1A-2F3B\r\n\r\n"
            " Directory of " + std::string(path) + "\r\n\r\n12/01/2026  09:12 AM    <DIR>          .\r\n"
            "               0 File(s)              0 bytes\r\n               1 Dir(s)  52,428,800,000 bytes free\r\n",
            {}, 0};
}

}  // namespace fleetmend::lab
