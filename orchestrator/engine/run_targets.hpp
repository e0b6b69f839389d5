#pragma once
/// Which hosts a run targets: the playbook's `targets` pattern, narrowed by
/// `--limit` (a host pattern, or "@REPORT:STATUS" for the hosts that ended
/// with that status in an earlier report).
#include "orchestrator/config/inventory.hpp"

#include <expected>
#include <set>
#include <string>
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

/// The targeted hosts in inventory order. An empty `limit` keeps every
/// target. Errors say which pattern or report is wrong.
[[nodiscard]] std::expected<std::vector<const host_entry*>, std::string> select_targets(
    const inventory& inv, const std::string& targets, const std::string& limit);

}  // namespace fleetmend
