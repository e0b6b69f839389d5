#pragma once
/// What a journal says about an interrupted run, as the input `fleetmend
/// resume` needs: the original plan and policy, each host's lifecycle
/// progress as recorded (host_lifecycle.hpp), and which batches still have
/// hosts to start. Pure: events in, plan out. The one resume type: the
/// scheduler and the runner take it as it is.
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/report/host_lifecycle.hpp"
#include "orchestrator/report/report.hpp"

#include <expected>
#include <map>
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
    /// Every host the journal names, with how far it got. A host that a
    /// batch's rollback restarted after it finished stays finished: its
    /// earlier outcome stands and the resumed batch rolls it back again if needed.
    std::map<std::string, host_progress> hosts;
    std::set<int> batches_finished;          // batch_finished recorded (threshold judged)
    std::vector<remaining_batch> remaining;  // batches with hosts left (interrupted hosts included)
    bool halted = false;  // a batch already tripped the threshold: start nothing new
    int halted_batch = 0;
    std::string halt_reason;
    bool run_was_finished = false;  // run_finished recorded: nothing to resume

    /// Whether the journal holds a final outcome for `host`.
    [[nodiscard]] bool finished(const std::string& host) const;
    /// Hosts that started and did not finish, in plan order: a resume
    /// continues each from its recorded phase.
    [[nodiscard]] std::vector<std::string> interrupted() const;
    /// Of those, the ones cut off inside a phase that changes the host: its
    /// remote state may differ from the facts before.
    [[nodiscard]] std::set<std::string> change_in_doubt() const;
};

/// Fails when the journal has no run_started (not a fleetmend journal).
[[nodiscard]] std::expected<resume_state, std::string> plan_resume(const journal_contents& journal);

}  // namespace fleetmend
