#pragma once
/// A scan export as targets: its hosts matched to inventory hosts by
/// inventory name, FQDN or address (case-insensitive), and what the report
/// keeps of it (the findings per matched host, the scan hosts left over).
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/scan_export.hpp"
#include "orchestrator/report/events.hpp"

#include <vector>

namespace fleetmend {

/// The hosts of `targeted` (in their order) that some scan host names, with
/// `scan` filled: findings per matched host, unmatched scan hosts (matching
/// no inventory host, or one the playbook does not target).
[[nodiscard]] std::vector<const host_entry*> match_scan_hosts(const inventory& inv,
                                                              const std::vector<const host_entry*>& targeted,
                                                              const scan_export& exported, scan_source& scan);

}  // namespace fleetmend
