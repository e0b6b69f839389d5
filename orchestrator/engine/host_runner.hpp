#pragma once
/// One host's workflow as a small state machine:
///   connect -> capture (facts before) -> compliant? -> apply -> verify
///   -> on failure, by policy: rollback (with the facts before) -> verify after
///   rollback (capture again, facts must equal the facts before)
///   -> capture again (facts after).
/// It knows phases, not protocols. A host never throws out of it: every
/// problem ends as a status with a message.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/step_runner.hpp"
#include "orchestrator/journal/resume_state.hpp"
#include "orchestrator/report/events.hpp"

#include <optional>
#include <string>

namespace fleetmend {

struct runner_options {
    run_mode mode = run_mode::apply;
    /// on_failure = rollback-host: a host whose apply or verify fails is rolled
    /// back at once, on the same connection.
    bool rollback_on_failure = false;
    std::size_t excerpt_bytes = default_excerpt_bytes;
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
    [[nodiscard]] host_outcome roll_back(const host_entry& host, const fact_map& facts_before,
                                         int batch) const noexcept;

    /// `fleetmend resume`: continues a host an interrupted run left unfinished.
    /// It is captured again and judged by what it is now, never re-applied
    /// blindly: compliant now but not before means the change landed (verify,
    /// then changed); an apply that finished before is not run again; a
    /// rollback that started is finished. The outcome keeps the facts before
    /// from the journal, so the report still shows the original state and a
    /// rollback restores it. Emits host_started .. host_finished.
    [[nodiscard]] host_outcome resume(const host_entry& host, int batch,
                                      const interrupted_host& progress) const noexcept;

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

/// How `after` differs from `before` ("teredo.type: was client, now disabled");
/// empty when they are the same facts.
[[nodiscard]] std::vector<std::string> fact_differences(const fact_map& before, const fact_map& after);

}  // namespace fleetmend
