#pragma once
/// What a journal says about an interrupted run, as the input `fleetmend
/// resume` needs: the original plan and policy, which hosts are done, which
/// hosts' outcome is unknown (they must be captured again, never blindly
/// re-applied), and which batches still have hosts to start. Pure: events in,
/// plan out.
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/report/report.hpp"

#include <expected>
#include <set>
#include <string>
#include <vector>

namespace fleetmend {

struct remaining_batch {
    int batch = 0;                   // the number in the original plan
    std::vector<std::string> hosts;  // plan order; hosts not finished yet
};

struct resume_state {
    run_started header;              // run id, mode, rollout policy, the whole plan
    std::vector<run_event> events;   // the good records, to seed a report_builder
    std::set<std::string> finished;  // hosts with a final status (skipped-by-halt included)
    /// Hosts that started and did not finish: a step may have run. Capture
    /// them again and decide from what they are now.
    std::vector<std::string> recapture;
    /// Of those, the ones whose apply or rollback step started without a
    /// recorded end: the remote state may have changed.
    std::set<std::string> change_in_doubt;
    std::vector<remaining_batch> remaining;  // batches with hosts left (recapture hosts included)
    bool halted = false;  // a batch already tripped the threshold: start nothing new
    std::string halt_reason;
    bool run_was_finished = false;  // run_finished recorded: nothing to resume
};

/// Fails when the journal has no run_started (not a fleetmend journal).
[[nodiscard]] std::expected<resume_state, std::string> plan_resume(const journal_contents& journal);

}  // namespace fleetmend
