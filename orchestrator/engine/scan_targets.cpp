#include "orchestrator/engine/scan_targets.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

namespace fleetmend {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // "host.example." (a rooted DNS name) is "host.example"
    if (out.size() > 1 && out.back() == '.') out.pop_back();
    return out;
}

}  // namespace

std::vector<const host_entry*> match_scan_hosts(const inventory& inv, const std::vector<const host_entry*>& targeted,
                                                const scan_export& exported, scan_source& scan) {
    // Every key an inventory host answers to: its name and its address.
    std::unordered_map<std::string, std::vector<const host_entry*>> by_key;
    for (const auto& host : inv.hosts) {
        by_key[lower(host.name)].push_back(&host);
        if (!host.connection.address.empty() && lower(host.connection.address) != lower(host.name))
            by_key[lower(host.connection.address)].push_back(&host);
    }
    const std::unordered_set<const host_entry*> wanted(targeted.begin(), targeted.end());
    std::unordered_set<const host_entry*> chosen;
    scan.scan_hosts = exported.hosts.size();
    for (const auto& scanned : exported.hosts) {
        std::vector<const host_entry*> hits;
        for (const auto* key : {&scanned.name, &scanned.ip, &scanned.fqdn}) {
            if (key->empty()) continue;
            const auto found = by_key.find(lower(*key));
            if (found == by_key.end()) continue;
            for (const auto* host : found->second)
                if (std::ranges::find(hits, host) == hits.end()) hits.push_back(host);
        }
        bool any_targeted = false;
        for (const auto* host : hits) {
            if (!wanted.contains(host)) continue;
            any_targeted = true;
            chosen.insert(host);
            auto& findings = scan.findings[host->name];
            for (const auto& f : scanned.findings)
                if (std::ranges::find(findings, f.id, &scan_finding::id) == findings.end()) findings.push_back(f);
        }
        if (!any_targeted)
            scan.unmatched.push_back({scanned.name, scanned.ip, scanned.fqdn,
                                      hits.empty() ? "no inventory host has this name, FQDN or address"
                                                   : "the inventory host " + hits.front()->name +
                                                         " is not targeted by the playbook or --limit"});
    }
    std::vector<const host_entry*> result;
    std::ranges::copy_if(targeted, std::back_inserter(result), [&](const host_entry* h) { return chosen.contains(h); });
    return result;
}

}  // namespace fleetmend
