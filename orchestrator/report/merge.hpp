#pragma once
/// One report from several runs or shards (`fleetmend report merge`).
#include "orchestrator/report/report.hpp"

#include <string>
#include <vector>

namespace fleetmend {

struct merge_input {
    run_report report;
    std::string path;  // listed in the merged report's sources
};

/// A host's latest result wins (by the time it ended; a finished result beats
/// an unfinished one; on a tie the later input wins). Batches of every input
/// are kept, tagged with their run id; totals are recomputed; sources listed,
/// each with the approval of its run. The preflights are added up (hosts
/// checked, hosts that failed). The scan section is kept when every input
/// that has one names the same export (its SHA-256): the shards of one
/// scan-targeted run, whose findings are joined; inputs from different scans
/// leave the merged report without one (see scans_differ).
[[nodiscard]] run_report merge_reports(const std::vector<merge_input>& inputs, const std::string& run_id);

/// Whether the inputs came from more than one scan export.
[[nodiscard]] bool scans_differ(const std::vector<merge_input>& inputs);

}  // namespace fleetmend
