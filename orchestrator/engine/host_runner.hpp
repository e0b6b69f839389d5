#pragma once
/// One host's workflow: it drives the host lifecycle (report/host_lifecycle.hpp:
/// connect -> capture -> compliant -> apply -> verify -> recapture, rollback by
/// policy), one handler per phase, every transition recorded through the
/// sink. A transition that changes the host waits until its record is
/// durable, and is refused when the sink cannot record any more.
/// It knows phases, not protocols. A host never throws out of it: every
/// problem ends as a status with a message.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/step_runner.hpp"
#include "orchestrator/report/host_lifecycle.hpp"
#include "orchestrator/report/events.hpp"

#include <atomic>
#include <optional>
#include <stop_token>
#include <set>
#include <string>

namespace fleetmend {

struct runner_options {
    run_mode mode = run_mode::apply;
    /// on_failure = rollback-host: a host whose apply or verify fails is rolled
    /// back at once, on the same connection.
    bool rollback_on_failure = false;
    std::size_t excerpt_bytes = default_excerpt_bytes;
    /// Set when the run is asked to stop: a step's retry delay ends early
    /// (one last attempt, no more retries). May be null.
    const std::atomic<bool>* stop = nullptr;
    /// Requested on a second signal: each host's transport is cancelled
    /// (transport::cancel) and the command in flight ends at its next safe
    /// point; the host ends cut off (host_outcome::cut_off).
    std::stop_token cancel;
};

/// How one host ended.
struct host_outcome {
    host_status status = host_status::failed;
    std::optional<error_kind> error;
    std::string message;
    fact_map facts_before;
    fact_map facts_after;
    bool captured = false;         // facts_before holds what the host had
    bool apply_attempted = false;  // the host may differ from facts_before
    /// Nothing was changed because the journal could not record the change.
    bool refused_by_journal = false;
    /// A cancel (second signal) cut the walk off: status skipped, and no
    /// host_finished is recorded, so the journal shows the host in flight and
    /// a resume captures it again, as after a crash at that point.
    bool cut_off = false;
    connection_figures connection;  // summed over every transport the host's workflow opened
};

class host_runner {
public:
    /// The playbook and sink must outlive the runner. One runner serves many
    /// hosts from many threads at once (it keeps no per-host state).
    host_runner(const playbook& book, event_sink& sink, runner_options options,
                transport_factory make_transport = default_transport_factory(),
                teredo_probe_function probe = default_teredo_probe());

    /// The whole workflow for one host; emits host_started .. host_finished.
    [[nodiscard]] host_outcome run(const host_entry& host, int batch) const noexcept;

    /// Restores `facts_before` on a host that already finished (rollback-batch,
    /// rollback-all, `fleetmend rollback`): connects anew, runs the rollback
    /// steps with those facts, then checks that a capture gives them back.
    /// Ends rolled-back or rollback-failed; emits host_started .. host_finished.
    /// With `expected_now` (the report's facts after) the host is captured
    /// first and restored only when it shows those facts (or already the facts
    /// before); otherwise it ends rollback-failed, naming what moved.
    [[nodiscard]] host_outcome roll_back(const host_entry& host, const fact_map& facts_before, int batch,
                                         const fact_map* expected_now = nullptr) const noexcept;

    /// `fleetmend resume`: continues a host an interrupted run left unfinished
    /// from the lifecycle phase its journal recorded (no guessing from which
    /// steps started). Cut off before any change: it runs anew. Inside apply:
    /// captured again, a change that landed is verified (never applied
    /// twice), otherwise the apply goes on with its first step not recorded
    /// finished. Inside verify or recapture: those reads are taken again.
    /// Inside rollback: it goes on with its first step not recorded finished.
    /// `restore` (a rollback run) holds the facts to put back. The outcome
    /// keeps the facts before from the journal. Emits host_started .. host_finished.
    [[nodiscard]] host_outcome resume(const host_entry& host, int batch, const host_progress& progress,
                                      const fact_map* restore = nullptr) const noexcept;

private:
    const playbook& book_;
    event_sink& sink_;
    runner_options options_;
    transport_factory make_transport_;
    teredo_probe_function probe_;
};

/// Which compliant entries the facts miss ("teredo.type is client, wants
/// disabled"); empty when the host is compliant. Missing facts never comply.
[[nodiscard]] std::vector<std::string> compliance_misses(
    const std::map<std::string, std::string>& compliant, const fact_map& facts);

/// The facts the rollback steps' commands use ({{teredo.type}}): a capture
/// must yield each of them before the host may be changed.
[[nodiscard]] std::set<std::string> facts_rollback_needs(const playbook& book);

/// How `after` differs from `before` ("teredo.type: was client, now disabled");
/// empty when they are the same facts.
[[nodiscard]] std::vector<std::string> fact_differences(const fact_map& before, const fact_map& after);

}  // namespace fleetmend
