#pragma once
/// What a journal says about an interrupted run, as the input `fleetmend
/// resume` needs: the original plan and policy, which hosts are done, which
/// hosts' outcome is unknown (they must be captured again, never blindly
/// re-applied), and which batches still have hosts to start. Pure: events in,
/// plan out.
#include "orchestrator/journal/journal.hpp"
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

/// How far a host that started and never finished had got, so a resume
/// continues it instead of starting it over.
struct interrupted_host {
    /// The facts its first capture recorded (the state before any change);
    /// the report keeps these and a rollback restores them.
    fact_map facts_before;
    bool captured = false;  // facts_before holds a recorded capture
    /// Every apply step finished ok (a verify, or the capture after, had
    /// started): the change was made, so apply never runs again.
    bool applied = false;
    /// Apply steps that finished ok: all of the playbook's means the change
    /// was made even when nothing after it started yet.
    std::size_t apply_steps_ok = 0;
    /// An apply step started without a recorded end: it may have run.
    bool apply_in_doubt = false;
    /// An apply step finished and failed ("apply 'x' failed: ..."): the
    /// outcome is known, only what followed it (capture, rollback) is redone.
    std::string apply_failure;
    /// A rollback step started (rollback-host): finish restoring facts_before.
    bool rolling_back = false;
};

struct resume_state {
    run_started header;              // run id, mode, rollout policy, the whole plan
    std::vector<run_event> events;   // the good records, to seed a report_builder
    /// Hosts with a final status (skipped-by-halt included). A host that a
    /// batch's rollback restarted after it finished stays here: its earlier
    /// outcome stands and the resumed batch rolls it back again if needed.
    std::set<std::string> finished;
    /// Hosts that started and did not finish: a step may have run. Capture
    /// them again and decide from what they are now.
    std::vector<std::string> recapture;
    /// Of those, the ones whose apply or rollback step started without a
    /// recorded end: the remote state may have changed.
    std::set<std::string> change_in_doubt;
    /// How far each recapture host had got.
    std::map<std::string, interrupted_host> interrupted;
    std::set<int> batches_finished;          // batch_finished recorded (threshold judged)
    std::vector<remaining_batch> remaining;  // batches with hosts left (recapture hosts included)
    bool halted = false;  // a batch already tripped the threshold: start nothing new
    int halted_batch = 0;
    std::string halt_reason;
    bool run_was_finished = false;  // run_finished recorded: nothing to resume
};

/// Fails when the journal has no run_started (not a fleetmend journal).
[[nodiscard]] std::expected<resume_state, std::string> plan_resume(const journal_contents& journal);

}  // namespace fleetmend
