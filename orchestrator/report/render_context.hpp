#pragma once
/// What every rendering shows about a run's provenance, as raw text rows the
/// renderer escapes for its medium: the change ticket and who confirmed the
/// run (where, when, the command line), the scan export it targeted and how
/// many of its findings the run closed, the scan hosts never contacted.
#include "orchestrator/report/report.hpp"

#include <string>
#include <vector>

namespace fleetmend {

struct context_row {
    std::string label, text;
};
[[nodiscard]] std::vector<context_row> context_rows(const run_report& report);

/// "10884 Teredo Server Detection, 12345 ...: closed" / "...: open"; empty
/// when the run did not come from a scan or the host was not in it.
[[nodiscard]] std::string findings_text(const run_report& report, const host_report& host);

}  // namespace fleetmend
