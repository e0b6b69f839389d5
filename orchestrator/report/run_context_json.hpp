#pragma once
/// The scan source and the approval of a run as JSON: in the journal's
/// run_started (with every host's findings) and at the report's top level
/// (the findings then sit with each host).
#include "orchestrator/report/events.hpp"

#include <nlohmann/json.hpp>

namespace fleetmend {

[[nodiscard]] nlohmann::json scan_source_to_json(const scan_source& scan, bool with_findings);
/// Throws json_read's error (naming the key) when the shape is wrong.
[[nodiscard]] scan_source read_scan_source(const nlohmann::json& j);
[[nodiscard]] nlohmann::json findings_to_json(const std::vector<scan_finding>& findings);
[[nodiscard]] std::vector<scan_finding> read_findings(const nlohmann::json& j);

[[nodiscard]] nlohmann::json preflight_to_json(const preflight_summary& preflight);
[[nodiscard]] preflight_summary read_preflight(const nlohmann::json& j);

[[nodiscard]] nlohmann::json approval_to_json(const run_approval& approval);
[[nodiscard]] run_approval read_approval(const nlohmann::json& j);

}  // namespace fleetmend
