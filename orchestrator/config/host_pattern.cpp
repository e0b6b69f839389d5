// select_hosts: the host pattern grammar of --limit and a playbook's targets.
//   pattern = term { "," term }      term = [ "!" | "&" ] ( "all" | name | group | glob )
// As in Ansible: the plain terms are joined first, then each "&" term
// intersects, then each "!" term removes. A pattern with only "&"/"!" terms
// starts from every host, so "--limit '!canary'" means "all but canary".
#include "orchestrator/config/closest_name.hpp"
#include "orchestrator/config/host_range.hpp"
#include "orchestrator/config/inventory.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <unordered_map>

namespace fleetmend {
namespace {

using host_mask = std::vector<char>;

config_error pattern_error(std::string message) {
    config_error error;
    error.message = std::move(message);
    return error;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// A "[start:end]" range as inventories write them (a ':' inside brackets).
bool is_range(std::string_view term) {
    const auto open = term.find('[');
    if (open == std::string_view::npos) return false;
    const auto close = term.find(']', open);
    return close != std::string_view::npos && term.substr(open, close - open).find(':') != std::string_view::npos;
}

class pattern_matcher {
public:
    explicit pattern_matcher(const inventory& inv) : inv_(inv) {
        for (std::size_t i = 0; i < inv.hosts.size(); ++i) {
            by_name_.emplace(inv.hosts[i].name, i);
            for (const auto& g : inv.hosts[i].groups) members_[g].push_back(i);
        }
    }

    /// The hosts one term names; nullopt when it names nothing at all.
    std::optional<host_mask> resolve(std::string_view term) const {
        host_mask mask(inv_.hosts.size(), 0);
        if (term == "all" || term == "*") {
            std::ranges::fill(mask, 1);
            return mask;
        }
        if (is_range(term)) {
            // "web[01:03]" means web01, web02, web03 as in the inventory,
            // not fnmatch's character class; each name may still be a glob.
            auto names = expand_host_range(term);
            if (!names) return std::nullopt;
            bool any = false;
            for (const auto& name : *names) {
                if (is_range(name)) continue;  // an unexpandable leftover: no recursion
                if (auto part = resolve(name)) {
                    any = true;
                    for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = mask[i] || (*part)[i];
                }
            }
            if (!any) return std::nullopt;
            return mask;
        }
        if (term.find_first_of("*?[") != std::string_view::npos) {
            const std::string glob(term);
            bool any = false;
            for (std::size_t i = 0; i < inv_.hosts.size(); ++i) {
                if (::fnmatch(glob.c_str(), inv_.hosts[i].name.c_str(), 0) == 0) mask[i] = any = true;
            }
            for (const auto& [group, hosts] : members_) {
                if (::fnmatch(glob.c_str(), group.c_str(), 0) != 0) continue;
                any = true;
                for (const auto i : hosts) mask[i] = 1;
            }
            // A glob over groups without hosts names something, just no host.
            for (const auto& [group, entry] : inv_.groups)
                any = any || ::fnmatch(glob.c_str(), group.c_str(), 0) == 0;
            if (!any) return std::nullopt;
            return mask;
        }
        const std::string name(term);
        if (inv_.groups.contains(name)) {
            if (const auto it = members_.find(name); it != members_.end())
                for (const auto i : it->second) mask[i] = 1;
            return mask;
        }
        if (const auto it = by_name_.find(name); it != by_name_.end()) {
            mask[it->second] = 1;
            return mask;
        }
        return std::nullopt;
    }

private:
    const inventory& inv_;
    std::unordered_map<std::string, std::size_t> by_name_;
    std::unordered_map<std::string, std::vector<std::size_t>> members_;
};

}  // namespace

std::expected<std::vector<const host_entry*>, config_error> select_hosts(const inventory& inv,
                                                                         const std::string& pattern) {
    const pattern_matcher matcher(inv);
    const std::size_t n = inv.hosts.size();
    host_mask joined(n, 0);
    std::vector<host_mask> intersections, exclusions;
    bool any_plain = false, any_term = false;

    std::size_t start = 0;
    while (start <= pattern.size()) {
        const auto comma = std::min(pattern.find(',', start), pattern.size());
        std::string_view term = trim(std::string_view(pattern).substr(start, comma - start));
        start = comma + 1;
        if (term.empty()) continue;
        any_term = true;
        char op = 0;
        if (term.front() == '!' || term.front() == '&') {
            op = term.front();
            term = trim(term.substr(1));
            if (term.empty())
                return std::unexpected(pattern_error(std::string("pattern '") + pattern + "': '" + op +
                                                     "' must be followed by a host, group or glob"));
        }
        auto mask = matcher.resolve(term);
        if (!mask) {
            std::vector<std::string> known;
            for (const auto& [name, group] : inv.groups) known.push_back(name);
            for (const auto& host : inv.hosts) known.push_back(host.name);
            const std::string near = closest_name(term, known);
            return std::unexpected(pattern_error(
                "pattern '" + pattern + "': no host or group named '" + std::string(term) + "' in " + inv.path +
                (near.empty() ? "; list them with `fleetmend inventory`" : "; did you mean '" + near + "'?")));
        }
        if (op == '!') {
            exclusions.push_back(std::move(*mask));
        } else if (op == '&') {
            intersections.push_back(std::move(*mask));
        } else {
            any_plain = true;
            for (std::size_t i = 0; i < n; ++i) joined[i] = joined[i] || (*mask)[i];
        }
    }
    if (!any_term)
        return std::unexpected(pattern_error("empty host pattern; use \"all\" for every host"));
    if (!any_plain) std::ranges::fill(joined, 1);
    for (const auto& mask : intersections)
        for (std::size_t i = 0; i < n; ++i) joined[i] = joined[i] && mask[i];
    for (const auto& mask : exclusions)
        for (std::size_t i = 0; i < n; ++i) joined[i] = joined[i] && !mask[i];

    std::vector<const host_entry*> selected;
    for (std::size_t i = 0; i < n; ++i)
        if (joined[i]) selected.push_back(&inv.hosts[i]);
    return selected;
}

}  // namespace fleetmend
