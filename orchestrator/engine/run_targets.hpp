#pragma once
/// Which hosts a run targets: the playbook's `targets` pattern, narrowed by
/// `--limit` (a host pattern, or "@REPORT:STATUS" for the hosts that ended
/// with that status in an earlier report), then by `--shard K/N`.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/report/events.hpp"

#include <expected>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

/// "@reports/run.json:failed" -> {"reports/run.json", "failed"}; none when
/// `limit` does not start with '@'. The status is after the LAST colon so a
/// path may hold colons.
struct report_limit {
    std::string report_path;
    std::string status;
};
[[nodiscard]] std::expected<std::optional<report_limit>, std::string> parse_report_limit(const std::string& limit);

/// Host names of `report_path` whose status word is `status` ("failed",
/// "unreachable", "would-change", "unfinished", ...).
[[nodiscard]] std::expected<std::set<std::string>, std::string> hosts_with_status(const report_limit& limit);

/// "2/3" -> {2, 3}. K counts from 1 and is at most N; errors say what to write.
[[nodiscard]] std::expected<shard_spec, std::string> parse_shard(std::string_view text);

/// "2/3".
[[nodiscard]] std::string to_string(const shard_spec& shard);

/// The slice (1..count) a host belongs to. It depends on the host name only:
/// a 64-bit FNV-1a hash of its bytes, mixed (splitmix64 finaliser), mod count.
/// So every workstation agrees whatever its inventory order, a host keeps its
/// slice when others are added or removed, and run, check and rollback of
/// slice K reach the same hosts. The price: slices differ in size by a few
/// percent (binomial spread) instead of by at most one host.
[[nodiscard]] unsigned shard_of(std::string_view host_name, unsigned count) noexcept;

/// The hosts of `hosts` in `shard`, in their order.
[[nodiscard]] std::vector<const host_entry*> select_shard(const std::vector<const host_entry*>& hosts,
                                                          const shard_spec& shard);

/// The targeted hosts in inventory order. An empty `limit` keeps every
/// target; `shard` keeps its slice of what is left (before batching, so
/// every slice runs its own canary and batches). Errors say which pattern,
/// report or scan export is wrong. A limit naming a scan export
/// ("@scan.nessus[:IDS]", "@scan.csv") keeps the hosts the scan reports and,
/// when `scan` is given, fills it for the report.
[[nodiscard]] std::expected<std::vector<const host_entry*>, std::string> select_targets(
    const inventory& inv, const std::string& targets, const std::string& limit,
    const std::optional<shard_spec>& shard = std::nullopt, scan_source* scan = nullptr);

}  // namespace fleetmend
