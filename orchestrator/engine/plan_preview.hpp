#pragma once
/// What a run or a rollback will do, host by host, before it does anything:
/// the batches and, per host, every step with its command filled as far as
/// it can be without contacting the host (`fleetmend plan`,
/// `fleetmend rollback --check`). Pure: data in, text and JSON out.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/report/events.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace fleetmend {

struct previewed_step {
    std::string phase;    // capture, apply, verify, rollback, rollback-verify
    std::string name;
    std::string shell;    // cmd | powershell | sh; "workstation" for a probe
    std::string command;  // filled; placeholders name where a value comes from
    std::string when;     // empty: always; else the condition ("if not compliant", ...)
};

struct host_preview {
    const host_entry* host = nullptr;
    int batch = 0;  // 1-based
    std::vector<previewed_step> steps;
};

/// A run's steps on one host: capture, the compliance test, apply and verify
/// when not compliant, the rollback that the failure policy would run.
[[nodiscard]] std::vector<previewed_step> preview_run(const playbook& book, const host_entry& host,
                                                      failure_policy on_failure);

/// A rollback's steps on one host: the rollback steps with the facts the
/// report captured before, then the capture that must give them back.
[[nodiscard]] std::vector<previewed_step> preview_rollback(const playbook& book, const host_entry& host,
                                                           const fact_map& facts_before);

/// The previews as text: hosts whose steps read the same are shown once
/// with their count and names (the first `max_names`, then "and N more").
[[nodiscard]] std::string render_previews(const std::vector<host_preview>& hosts, std::size_t max_names = 20);

/// Every host with its batch and steps (for --json).
[[nodiscard]] nlohmann::json previews_json(const std::vector<host_preview>& hosts);

}  // namespace fleetmend
