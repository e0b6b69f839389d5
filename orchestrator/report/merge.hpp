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
/// are kept, tagged with their run id; totals are recomputed; sources listed.
[[nodiscard]] run_report merge_reports(const std::vector<merge_input>& inputs, const std::string& run_id);

}  // namespace fleetmend
