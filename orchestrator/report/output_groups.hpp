#pragma once
/// What `fleetmend exec` prints after the command ran everywhere: hosts that
/// answered the same way (same outcome, exit code, stdout and stderr) shown
/// once with their count and names, as `dshbak -c` does, and each different
/// answer once. Pure: a report in, groups and text out.
#include "orchestrator/report/report.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleetmend {

struct output_group {
    std::vector<std::string> hosts;  // report order
    std::string status;              // status word of every host in it
    std::optional<int> exit_code;
    std::string stdout_text, stderr_text;
    std::string message;  // why it failed, for hosts the command never reached
    bool truncated = false;  // some output was longer than the excerpt kept
};

/// Groups the hosts of an exec report; largest group first, then report order.
[[nodiscard]] std::vector<output_group> group_outputs(const run_report& report);

/// The groups as text for a terminal (remote text made safe):
///   ---- 14 hosts, exit 0: web01, web02, ...
///   <stdout>
[[nodiscard]] std::string render_output_groups(const std::vector<output_group>& groups, bool color = false);

/// One JSON object per host: name, address, status, exit_code, stdout,
/// stderr, error kind and message (for `exec --json`).
[[nodiscard]] std::vector<nlohmann::json> host_outputs_json(const run_report& report);

}  // namespace fleetmend
