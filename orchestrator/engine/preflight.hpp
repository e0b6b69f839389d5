#pragma once
/// Preflight: before a run that changes hosts starts its first batch, each
/// targeted host is connected to once, authenticated, and asked whether the
/// account may change it (Windows: an elevated token, `whoami /groups`
/// shows the High or System integrity level; Linux: `id -u` is 0). Nothing
/// is changed; each host's connection is closed again.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/step_runner.hpp"
#include "orchestrator/report/events.hpp"

#include <vector>

namespace fleetmend {

/// Whether a run of the playbook starts with a preflight: a playbook that
/// applies and whose [rollout] says `preflight = true`. A host it leaves out
/// never counts toward a batch's failure threshold, but sets the exit status.
[[nodiscard]] bool preflight_wanted(const playbook& book) noexcept;

/// Checks every host, `concurrency` at once; the summary lists the failed ones
/// in `hosts` order.
[[nodiscard]] preflight_summary run_preflight(const std::vector<const host_entry*>& hosts, const playbook& book,
                                              const transport_factory& make_transport, unsigned concurrency);

/// The verdict on one command's output: empty when the account may change
/// the host, else why not (pure, for tests).
[[nodiscard]] std::string rights_problem(const std::string& platform, const exec_result& result);

}  // namespace fleetmend
