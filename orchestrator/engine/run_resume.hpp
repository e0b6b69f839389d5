#pragma once
/// `fleetmend resume` without the CLI: from what a journal says (plan_resume)
/// to the executor's input, the recorded plan resolved in the inventory, and
/// the exact command a user types to continue an interrupted run.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/engine/rollout_executor.hpp"
#include "orchestrator/engine/run_driver.hpp"
#include "orchestrator/journal/resume_state.hpp"

#include <expected>
#include <string>

namespace fleetmend {

/// The journal's plan with each host name resolved in `inv`. Fails, naming
/// the hosts, when the inventory no longer holds some of them.
[[nodiscard]] std::expected<planned_rollout, std::string> plan_from_journal(const run_started& header,
                                                                           const inventory& inv);

/// "fleetmend resume reports/x.journal" (the path shell-quoted when it needs it).
[[nodiscard]] std::string resume_command(const std::string& journal_path);

}  // namespace fleetmend
