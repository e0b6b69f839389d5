#pragma once
/// What `fleetmend run` and `fleetmend rollback` share between parsing their
/// flags and printing the outcome: rollout overrides from flags, the plan,
/// secrets, and driving the executor inside a run session (report folder,
/// journal, report, progress). No CLI library here: flags come in as values.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/rollout_executor.hpp"
#include "orchestrator/engine/run_progress.hpp"
#include "orchestrator/journal/resume_state.hpp"
#include "orchestrator/journal/run_lock.hpp"
#include "orchestrator/report/report.hpp"

#include <atomic>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend {

/// Rollout flags; empty/none keeps the playbook's setting.
struct rollout_overrides {
    std::string batches;     // "1,10%,100%"
    std::string on_failure;  // halt | rollback-host | rollback-batch | rollback-all
    std::string order;       // inventory | shuffle | sorted
    std::string window;      // --window "Sat 22:00-Sun 04:00"
    std::optional<unsigned> concurrency;
    std::optional<double> max_fail_percentage;
    std::optional<std::uint64_t> seed;  // shuffle seed (replays an earlier order)
};

/// Applies the flags over the playbook's [rollout]; errors name the flag.
[[nodiscard]] std::expected<void, std::string> apply_overrides(const rollout_overrides& flags,
                                                               rollout_settings& settings);

/// The targeted hosts split into batches.
struct planned_rollout {
    std::vector<std::vector<const host_entry*>> batches;
    std::uint64_t seed = 0;
    std::size_t host_count = 0;
};
[[nodiscard]] planned_rollout plan_targets(const std::vector<const host_entry*>& targets,
                                           const rollout_settings& settings, std::optional<std::uint64_t> seed);

/// "100 hosts in 4 batches (1, 10, 25, 64), 50 at a time, on failure
/// rollback-batch, at most 0% failed per batch" (for the confirmation prompt).
[[nodiscard]] std::string describe_plan(const planned_rollout& plan, const rollout_settings& settings);

/// Fills the passwords of the targeted hosts (inv owns them; targets point
/// into it). Errors come from the secret sources and never hold a secret.
[[nodiscard]] std::expected<void, std::string> resolve_target_secrets(inventory& inv,
                                                                      const std::vector<const host_entry*>& targets);

/// A fresh run id, the tool version, and both files' paths with their SHA-256:
/// what every run, rollback and demo records before it starts.
[[nodiscard]] run_started new_run_header(const playbook& book, const inventory& inv);

struct drive_options {
    run_mode mode = run_mode::apply;
    std::string report_dir = "reports";
    progress_style style = progress_style::plain;
    std::FILE* progress_out = stdout;
    const std::atomic<bool>* stop = nullptr;
    std::function<bool(int batch, std::size_t hosts)> confirm_batch;  // --step
    std::function<bool()> window_open;  // the maintenance window; null: none (rollout_options)
    transport_factory make_transport = default_transport_factory();
    teredo_probe_function probe = default_teredo_probe();
    /// The exit status after a second signal aborted the run (once the
    /// journal and the report are written): the CLI's "interrupted" status.
    int abort_exit_status = 5;
    /// A restore: the facts each host must show first (rollout_options::restore_expected).
    const std::map<std::string, fact_map>* restore_expected = nullptr;
    /// rollout_options::in_flight: the open-files cap measured once where the
    /// run starts, so that the cap applied is the one its note said.
    unsigned in_flight = 0;
};

struct drive_outcome {
    rollout_result result;
    run_report report;
    std::string report_path;
    std::string journal_path;
    /// Set when the report could be written nowhere (the journal still holds
    /// the run; `report` is what it would have said).
    std::string report_error;
    /// Set when the report is not where it was asked for: why, and where it is.
    std::string report_note;
    /// A second signal cancelled the steps in flight (their hosts are
    /// host_outcome::cut_off); the result is interrupted.
    bool aborted = false;
};

/// Why a run could not start.
struct drive_error {
    std::string message;
    /// The report folder or the journal failed (not the lock): the CLI's
    /// "could not keep its records" status. Nothing was done to any host.
    bool records = false;
};

/// Opens the run session, runs (facts_before null) or restores (facts_before
/// given) the plan, writes the report. Errors only for what stops the run
/// from starting (report folder, lock, journal).
[[nodiscard]] std::expected<drive_outcome, drive_error> drive_rollout(
    const playbook& book, const planned_rollout& plan, const rollout_settings& settings, drive_options options,
    run_started header, const std::map<std::string, fact_map>* facts_before);

/// `fleetmend resume`: continues the run of `journal_path` (whose lock the
/// caller holds) with the journal's plan and policy: `plan` is the recorded
/// plan resolved in the inventory (plan_from_journal), `state` what the
/// journal says (plan_resume). Appends to the same journal and writes one
/// report covering the whole run, under the same run id. A rollback run
/// (mode rollback) passes the facts its source report holds.
[[nodiscard]] std::expected<drive_outcome, drive_error> drive_resume(const playbook& book, const planned_rollout& plan,
                                                                     const resume_state& state, drive_options options,
                                                                     run_lock lock, const std::string& journal_path,
                                                                     const std::map<std::string, fact_map>* facts_before);

}  // namespace fleetmend
