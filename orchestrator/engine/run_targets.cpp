#include "orchestrator/engine/run_targets.hpp"

#include "orchestrator/engine/scan_targets.hpp"
#include "orchestrator/report/names.hpp"
#include "orchestrator/report/report.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <unordered_set>

namespace fleetmend {
namespace {

/// "--shard 2/3" parts: a decimal number without sign, spaces or leading '+'.
std::optional<unsigned> shard_number(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

std::vector<const host_entry*> narrowed(std::vector<const host_entry*> hosts,
                                        const std::optional<shard_spec>& shard) {
    return shard ? select_shard(hosts, *shard) : hosts;
}

}  // namespace

std::expected<shard_spec, std::string> parse_shard(std::string_view text) {
    const std::string given = "--shard " + std::string(text);
    const auto slash = text.find('/');
    const auto k = slash == std::string_view::npos ? std::nullopt : shard_number(text.substr(0, slash));
    const auto n = slash == std::string_view::npos ? std::nullopt : shard_number(text.substr(slash + 1));
    if (!k || !n)
        return std::unexpected(given + ": write K/N, slice K of N (both whole numbers, 1 <= K <= N), "
                                       "e.g. --shard 2/3 on the second of three workstations");
    if (*n == 0) return std::unexpected(given + ": N is the number of slices and must be at least 1");
    if (*k == 0)
        return std::unexpected(given + ": K counts from 1 (1/" + std::to_string(*n) + " .. " +
                               std::to_string(*n) + "/" + std::to_string(*n) +
                               "); from a 0-based index such as JOB_COMPLETION_INDEX write $((INDEX + 1))/N");
    if (*k > *n)
        return std::unexpected(given + ": K must be at most N (" + std::to_string(*n) + "): there are only " +
                               std::to_string(*n) + " slices");
    return shard_spec{*k, *n};
}

std::string to_string(const shard_spec& shard) {
    return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

unsigned shard_of(std::string_view host_name, unsigned count) noexcept {
    if (count <= 1) return 1;
    // FNV-1a: a fixed, documented function of the bytes, the same on every
    // platform and release (std::hash promises neither).
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char c : host_name) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    // FNV's low bits vary little between names like web001/web002; the
    // splitmix64 finaliser spreads every input bit before the modulo.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return static_cast<unsigned>(h % count) + 1;
}

std::vector<const host_entry*> select_shard(const std::vector<const host_entry*>& hosts, const shard_spec& shard) {
    std::vector<const host_entry*> result;
    std::copy_if(hosts.begin(), hosts.end(), std::back_inserter(result),
                 [&](const host_entry* h) { return shard_of(h->name, shard.count) == shard.index; });
    return result;
}

std::expected<std::optional<report_limit>, std::string> parse_report_limit(const std::string& limit) {
    if (limit.empty() || limit.front() != '@') return std::optional<report_limit>{};
    const auto colon = limit.rfind(':');
    if (colon == std::string::npos || colon == 1 || colon + 1 == limit.size())
        return std::unexpected("--limit " + limit +
                               ": write @REPORT:STATUS, e.g. @reports/20261127T081500Z-3f9a.json:failed");
    report_limit result{limit.substr(1, colon - 1), limit.substr(colon + 1)};
    if (result.status != "unfinished" && !parse_host_status(result.status))
        return std::unexpected("--limit " + limit + ": '" + result.status +
                               "' is not a host status; use changed, unchanged, would-change, failed, "
                               "rolled-back, rollback-failed, unreachable, skipped or unfinished");
    return std::optional<report_limit>{std::move(result)};
}

std::expected<std::set<std::string>, std::string> hosts_with_status(const report_limit& limit) {
    auto report = read_report_file(limit.report_path);
    if (!report) return std::unexpected(report.error());
    std::set<std::string> names;
    for (const auto& host : report->hosts)
        if (status_word(host) == limit.status) names.insert(host.name);
    return names;
}

std::expected<std::vector<const host_entry*>, std::string> select_targets(const inventory& inv,
                                                                          const std::string& targets,
                                                                          const std::string& limit,
                                                                          const std::optional<shard_spec>& shard,
                                                                          scan_source* scan) {
    auto chosen = select_hosts(inv, targets.empty() ? std::string("all") : targets);
    if (!chosen) return std::unexpected("playbook targets: " + chosen.error().to_string());
    if (limit.empty()) return narrowed(std::move(*chosen), shard);

    auto from_scan = parse_scan_limit(limit);
    if (!from_scan) return std::unexpected(from_scan.error());
    if (*from_scan) {
        auto exported = read_scan_export(**from_scan);
        if (!exported) return std::unexpected("--limit: " + exported.error());
        scan_source source;
        source.path = (*from_scan)->path;
        source.sha256 = sha256_file(source.path);
        source.wanted.assign((*from_scan)->wanted.begin(), (*from_scan)->wanted.end());
        auto matched = match_scan_hosts(inv, *chosen, *exported, source);
        auto sliced = narrowed(std::move(matched), shard);
        if (shard) std::erase_if(source.findings, [&](const auto& entry) { return shard_of(entry.first, shard->count) != shard->index; });
        if (scan) *scan = std::move(source);
        return sliced;
    }

    auto from_report = parse_report_limit(limit);
    if (!from_report) return std::unexpected(from_report.error());
    std::vector<const host_entry*> result;
    if (*from_report) {
        auto names = hosts_with_status(**from_report);
        if (!names) return std::unexpected(names.error());
        std::copy_if(chosen->begin(), chosen->end(), std::back_inserter(result),
                     [&](const host_entry* h) { return names->contains(h->name); });
        return narrowed(std::move(result), shard);
    }
    auto limited = select_hosts(inv, limit);
    if (!limited) return std::unexpected("--limit: " + limited.error().to_string());
    // A set, not a scan per host: a limit over 10,000 hosts is 10^8 compares otherwise.
    const std::unordered_set<const host_entry*> wanted(limited->begin(), limited->end());
    std::copy_if(chosen->begin(), chosen->end(), std::back_inserter(result),
                 [&](const host_entry* h) { return wanted.contains(h); });
    return narrowed(std::move(result), shard);
}

}  // namespace fleetmend
