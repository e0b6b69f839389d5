#include "transports/lab/scenario.hpp"

#include <toml++/toml.h>

#include <arpa/inet.h>

#include <algorithm>

#include <cstdio>
#include <set>
#include <sstream>

namespace fleetmend::lab {
namespace {

/// The block a lab address may come from: loopback (the usual lab on one
/// machine) or a documentation range (a lab inside a network namespace, where
/// such addresses are made local). A lab never takes a real network's address.
struct address_block {
    std::uint32_t first, last;
    const char* text;
};
constexpr address_block lab_blocks[] = {
    {0x7F000000u, 0x7FFFFFFFu, "127.0.0.0/8"},
    {0xC0000200u, 0xC00002FFu, "192.0.2.0/24"},
    {0xC6336400u, 0xC63364FFu, "198.51.100.0/24"},
    {0xCB007100u, 0xCB0071FFu, "203.0.113.0/24"},
};

const address_block* block_of(std::uint32_t address) {
    for (const auto& b : lab_blocks)
        if (address >= b.first && address <= b.last) return &b;
    return nullptr;
}

std::string where(std::string_view source, const toml::source_region& region) {
    std::ostringstream out;
    out << source << ':' << region.begin.line << ':' << region.begin.column;
    return out.str();
}

struct reader {
    std::string_view source;
    std::string error;

    bool fail(const toml::node& node, const std::string& what) {
        if (error.empty()) error = where(source, node.source()) + ": " + what;
        return false;
    }

    bool only_keys(const toml::table& table, std::set<std::string_view> allowed) {
        for (const auto& [key, value] : table)
            if (!allowed.contains(key.str()))
                return fail(value, "unknown key '" + std::string(key.str()) + "'");
        return true;
    }

    template <typename T>
    bool get(const toml::table& table, std::string_view key, T& out, const char* expected) {
        const toml::node* node = table.get(key);
        if (!node) return true;
        if (auto v = node->value<T>()) {
            out = *v;
            return true;
        }
        return fail(*node, "'" + std::string(key) + "' must be " + expected);
    }

    bool duration(const toml::table& table, std::string_view key, std::chrono::milliseconds& out) {
        const toml::node* node = table.get(key);
        if (!node) return true;
        const auto text = node->value<std::string>();
        double amount = 0;
        char unit[4]{};
        if (!text || std::sscanf(text->c_str(), "%lf%3s", &amount, unit) != 2 || amount < 0)
            return fail(*node, "'" + std::string(key) + "' must be a duration such as \"500ms\" or \"2s\"");
        const std::string u(unit);
        if (u == "ms") out = std::chrono::milliseconds(static_cast<long long>(amount));
        else if (u == "s") out = std::chrono::milliseconds(static_cast<long long>(amount * 1000));
        else return fail(*node, "'" + std::string(key) + "' unit must be ms or s");
        return true;
    }

    bool type(const toml::table& table, std::string_view key, teredo_type& out) {
        const toml::node* node = table.get(key);
        if (!node) return true;
        const auto text = node->value<std::string>();
        const auto parsed = text ? parse_teredo_type(*text) : std::nullopt;
        if (!parsed)
            return fail(*node, "'" + std::string(key) +
                                   "' must be one of disabled, client, enterpriseclient, natawareclient, server, default");
        out = *parsed;
        return true;
    }
};

// In the order an unknown kind's message lists them.
constexpr std::string_view fault_kinds[] = {
    "down", "refusing", "wrong-password", "slow", "hang", "drop", "wsman-fault", "not-elevated", "policy-reenables",
    "group-policy", "flaky", "needs-teredo", "certificate-address-only", "certificate-other-name",
    "certificate-expired", "certificate-self-signed", "operations-quota", "shell-lost", "service-restart",
    "old-envelope-size", "filtered-admin-token", "strict-channel-binding", "ntlm-refused"};

std::string fault_kind_list() {
    std::string list;
    for (const auto kind : fault_kinds) list += (list.empty() ? "" : ", ") + std::string(kind);
    return list;
}

std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void apply_fault(host_faults& f, const fault_rule& rule, unsigned n) {
    const std::string& k = rule.kind;
    if (k == "down") f.down = true;
    else if (k == "refusing") f.refusing = true;
    else if (k == "wrong-password") f.wrong_password = true;
    else if (k == "slow") f.latency = rule.latency;
    else if (k == "hang") f.hang = true;
    else if (k == "drop") f.drop = true;
    else if (k == "wsman-fault") f.wsman_fault = true;
    else if (k == "not-elevated") f.not_elevated = true;
    else if (k == "needs-teredo") f.needs_teredo = true;
    else if (k == "policy-reenables") f.policy_reenables = rule.policy_type;
    else if (k == "group-policy") f.group_policy = rule.policy_type;
    else if (k == "flaky") f.flaky_failures = rule.failures;
    else if (k == "certificate-address-only") f.certificate = certificate_shape::address_only;
    else if (k == "certificate-other-name") {
        f.certificate = certificate_shape::other_name;
        f.certificate_name = format_host_name(rule.certificate_name, n);
    } else if (k == "certificate-expired") f.certificate = certificate_shape::expired;
    else if (k == "certificate-self-signed") f.certificate = certificate_shape::self_signed;
    else if (k == "operations-quota") f.operations_per_shell = rule.limit;
    else if (k == "shell-lost") f.shells_lost_before_command = rule.at_command;
    else if (k == "service-restart") f.shells_lost_after_command = rule.at_command;
    else if (k == "old-envelope-size") f.old_envelope_size = true;
    else if (k == "filtered-admin-token") f.filtered_admin_token = true;
    else if (k == "strict-channel-binding") f.strict_channel_binding = true;
    else if (k == "ntlm-refused") f.ntlm_refused = true;
}

}  // namespace

std::string_view to_string(lab_scheme scheme) noexcept { return scheme == lab_scheme::http ? "http" : "https"; }
std::string_view to_string(lab_auth auth) noexcept {
    switch (auth) {
        case lab_auth::ntlm: return "ntlm";
        case lab_auth::basic: return "basic";
        case lab_auth::kerberos: return "kerberos";
    }
    return "ntlm";
}

std::string format_host_name(std::string_view pattern, unsigned n) {
    const auto open = pattern.find("{n");
    const auto close = pattern.find('}', open);
    if (open == std::string_view::npos || close == std::string_view::npos) return std::string(pattern) + std::to_string(n);
    int width = 0;
    if (pattern[open + 2] == ':') width = std::atoi(std::string(pattern.substr(open + 3, close - open - 3)).c_str());
    char number[32];
    std::snprintf(number, sizeof number, "%0*u", width, n);
    return std::string(pattern.substr(0, open)) + number + std::string(pattern.substr(close + 1));
}

std::expected<scenario, std::string> parse_scenario(std::string_view text, std::string_view source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return std::unexpected(where(source, e.source()) + ": " + std::string(e.description()));
    }
    reader r{source, {}};
    scenario s;
    r.only_keys(root, {"name", "hosts", "address_base", "name_pattern", "domain", "user", "password", "http_port",
                       "https_port", "ssh_port", "group", "types", "fault"});
    int64_t hosts = s.hosts, http_port = s.http_port, https_port = s.https_port, ssh_port = s.ssh_port;
    r.get(root, "name", s.name, "a string");
    r.get(root, "hosts", hosts, "an integer");
    r.get(root, "address_base", s.address_base, "an IPv4 loopback or documentation-range address");
    r.get(root, "name_pattern", s.name_pattern, "a string with {n} or {n:03}");
    r.get(root, "domain", s.domain, "a string");
    r.get(root, "user", s.user, "a string");
    r.get(root, "password", s.password, "a string");
    r.get(root, "http_port", http_port, "a port number");
    r.get(root, "https_port", https_port, "a port number");
    r.get(root, "ssh_port", ssh_port, "a port number");
    if (hosts < 1 || hosts > 60000) r.fail(*root.get("hosts"), "'hosts' must be between 1 and 60000");
    s.hosts = static_cast<unsigned>(hosts);
    s.http_port = static_cast<std::uint16_t>(http_port);
    s.https_port = static_cast<std::uint16_t>(https_port);
    s.ssh_port = static_cast<std::uint16_t>(ssh_port);

    if (const auto* groups = root.get_as<toml::array>("group")) {
        for (const auto& node : *groups) {
            const auto* g = node.as_table();
            if (!g) {
                r.fail(node, "each [[group]] must be a table");
                continue;
            }
            r.only_keys(*g, {"name", "transport", "scheme", "auth", "weight"});
            lab_group group;
            std::string scheme = "http", auth = "ntlm", transport = "winrm";
            r.get(*g, "transport", transport, "\"winrm\" or \"ssh\"");
            if (transport != "winrm" && transport != "ssh") r.fail(node, "transport must be \"winrm\" or \"ssh\"");
            group.transport = transport == "ssh" ? lab_transport::ssh : lab_transport::winrm;
            if (group.transport == lab_transport::ssh) auth = "basic", scheme = "https";
            int64_t weight = 1;
            r.get(*g, "name", group.name, "a string");
            r.get(*g, "scheme", scheme, "\"http\" or \"https\"");
            r.get(*g, "auth", auth, "\"ntlm\", \"basic\" or \"kerberos\"");
            r.get(*g, "weight", weight, "an integer");
            if (scheme != "http" && scheme != "https") r.fail(node, "scheme must be \"http\" or \"https\"");
            if (auth != "ntlm" && auth != "basic" && auth != "kerberos")
                r.fail(node, "auth must be \"ntlm\", \"basic\" or \"kerberos\"");
            if (group.transport == lab_transport::winrm && scheme == "http" && auth == "basic")
                r.fail(node, "Basic over plain HTTP is refused by Windows (AllowUnencrypted=false): use https");
            if (group.name.empty()) r.fail(node, "a [[group]] needs a name");
            group.scheme = scheme == "https" ? lab_scheme::https : lab_scheme::http;
            group.auth = auth == "basic" ? lab_auth::basic : auth == "kerberos" ? lab_auth::kerberos : lab_auth::ntlm;
            group.weight = static_cast<unsigned>(std::max<int64_t>(weight, 0));
            s.groups.push_back(std::move(group));
        }
    }
    if (s.groups.empty()) {
        lab_group fallback;
        fallback.name = "lab-http-ntlm";
        s.groups.push_back(std::move(fallback));
    }

    if (const auto* types = root.get_as<toml::table>("types")) {
        for (const auto& [key, value] : *types) {
            const auto type = parse_teredo_type(key.str());
            const auto weight = value.value<int64_t>();
            if (!type) r.fail(value, "unknown Teredo type '" + std::string(key.str()) + "'");
            else if (!weight || *weight < 0) r.fail(value, "a type weight must be a non-negative integer");
            else s.type_weights[*type] = static_cast<unsigned>(*weight);
        }
    }
    if (s.type_weights.empty()) s.type_weights[teredo_type::default_type] = 1;

    if (const auto* faults = root.get_as<toml::array>("fault")) {
        for (const auto& node : *faults) {
            const auto* f = node.as_table();
            if (!f) {
                r.fail(node, "each [[fault]] must be a table");
                continue;
            }
            r.only_keys(*f, {"kind", "hosts", "percent", "latency", "failures", "policy_type", "limit", "at_command",
                             "certificate_name"});
            fault_rule rule;
            int64_t failures = rule.failures, limit = rule.limit, at_command = rule.at_command;
            r.get(*f, "kind", rule.kind, "a string");
            if (std::ranges::find(fault_kinds, rule.kind) == std::end(fault_kinds))
                r.fail(node, "fault kind must be one of " + fault_kind_list());
            if (const auto* given = f->get("hosts"); given && !given->is_array())
                r.fail(*given, "'hosts' must be an array of host numbers, e.g. [1, 5]; for every host write "
                               "percent = 100");
            if (const auto* list = f->get_as<toml::array>("hosts"))
                for (const auto& h : *list) {
                    const auto n = h.value<int64_t>();
                    if (!n || *n < 1) r.fail(h, "host numbers are 1-based integers");
                    else rule.hosts.push_back(static_cast<unsigned>(*n));
                }
            if (const auto* p = f->get("percent")) {
                if (auto v = p->value<double>()) rule.percent = *v;
                else r.fail(*p, "'percent' must be a number");
            }
            r.duration(*f, "latency", rule.latency);
            r.get(*f, "failures", failures, "an integer");
            rule.failures = static_cast<unsigned>(std::max<int64_t>(failures, 0));
            r.get(*f, "limit", limit, "an integer");
            r.get(*f, "at_command", at_command, "an integer");
            if (limit < 1) r.fail(node, "'limit' must be at least 1");
            if (at_command < 1) r.fail(node, "'at_command' must be at least 1 (the first command)");
            rule.limit = static_cast<unsigned>(std::max<int64_t>(limit, 1));
            rule.at_command = static_cast<unsigned>(std::max<int64_t>(at_command, 1));
            r.get(*f, "certificate_name", rule.certificate_name, "a DNS name pattern with {n}");
            r.type(*f, "policy_type", rule.policy_type);
            s.faults.push_back(std::move(rule));
        }
    }
    if (!r.error.empty()) return std::unexpected(r.error);
    in_addr probe{};
    if (inet_pton(AF_INET, s.address_base.c_str(), &probe) != 1 || block_of(ntohl(probe.s_addr)) == nullptr)
        return std::unexpected(std::string(source) +
                               ": address_base must be an IPv4 address in 127.0.0.0/8, 192.0.2.0/24, 198.51.100.0/24 "
                               "or 203.0.113.0/24");
    return s;
}

std::expected<std::vector<host_spec>, std::string> expand_hosts(const scenario& s) {
    in_addr base{};
    if (inet_pton(AF_INET, s.address_base.c_str(), &base) != 1) return std::unexpected("bad address_base");
    std::uint32_t address = ntohl(base.s_addr);
    const address_block* block = block_of(address);
    if (block == nullptr) return std::unexpected("address_base " + s.address_base + " is outside the lab's address ranges");

    unsigned group_total = 0, type_total = 0;
    for (const auto& g : s.groups) group_total += g.weight;
    for (const auto& [t, w] : s.type_weights) type_total += w;
    if (group_total == 0 || type_total == 0) return std::unexpected("group and type weights must not all be zero");

    static constexpr const char* states[] = {"qualified", "dormant", "qualified", "offline", "probe (primary server)"};
    std::vector<host_spec> out;
    out.reserve(s.hosts);
    for (unsigned n = 1; n <= s.hosts; ++n) {
        // Skip .0 and .255 so every address looks like a host address.
        while ((address & 0xFF) == 0 || (address & 0xFF) == 255) ++address;
        if (address < block->first || address > block->last)
            return std::unexpected(std::string("the address range leaves ") + block->text + ": lower address_base or hosts");
        host_spec h;
        h.number = n;
        h.name = format_host_name(s.name_pattern, n);
        in_addr a{htonl(address++)};
        char text[INET_ADDRSTRLEN];
        h.address = inet_ntop(AF_INET, &a, text, sizeof text);

        // Groups interleave by weight so every group has early (canary) hosts.
        unsigned slot = (n - 1) % group_total;
        for (const auto& g : s.groups) {
            if (slot < g.weight) {
                h.group = g.name;
                h.scheme = g.scheme;
                h.auth = g.auth;
                h.transport = g.transport;
                break;
            }
            slot -= g.weight;
        }
        unsigned pick = static_cast<unsigned>(mix(n * 2654435761ULL) % type_total);
        for (const auto& [t, w] : s.type_weights) {
            if (pick < w) {
                h.initial_type = t;
                break;
            }
            pick -= w;
        }
        h.active_state = states[mix(n + 17) % 5];
        for (std::size_t i = 0; i < s.faults.size(); ++i) {
            const auto& rule = s.faults[i];
            bool hit = std::ranges::find(rule.hosts, n) != rule.hosts.end();
            if (!hit && rule.percent > 0 && n != 1)
                hit = static_cast<double>(mix(n * 7919ULL + i * 104729ULL) % 1'000'000) < rule.percent * 10'000.0;
            if (hit) apply_fault(h.faults, rule, n);
        }
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace fleetmend::lab
