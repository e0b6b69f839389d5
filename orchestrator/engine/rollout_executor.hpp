#pragma once
/// The scheduler: runs a planned rollout batch by batch with bounded
/// concurrency, checks the failure threshold after each batch, and applies
/// the on_failure policy. The only place that knows about threads.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/host_runner.hpp"
#include "orchestrator/journal/resume_state.hpp"
#include "orchestrator/report/events.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

namespace fleetmend {

struct rollout_options {
    run_mode mode = run_mode::apply;
    rollout_settings settings;
    /// Set from a signal handler: no host starts once it is true; hosts in
    /// flight finish (a retry delay ends early). May be null. A sink that
    /// stops recording (record_health) stops the rollout the same way.
    const std::atomic<bool>* stop = nullptr;
    /// Requested on a second signal: the steps in flight are cancelled
    /// (runner_options::cancel); their hosts end cut off, recorded as in flight.
    std::stop_token cancel;
    /// --step: asked before each batch (1-based number, host count); false
    /// halts the rollout there. Null: never asked.
    std::function<bool(int batch, std::size_t hosts)> confirm_batch;
    /// The maintenance window: asked before each host starts (from many
    /// threads). Once it answers false no new host starts, as after a
    /// signal; hosts in flight finish. Null: no window.
    std::function<bool()> window_open;
    std::size_t excerpt_bytes = default_excerpt_bytes;
    /// restore(): the facts each host must show before it is restored (the
    /// source report's facts after); a host missing here is restored
    /// unchecked. May be null: nothing is checked (--force).
    const std::map<std::string, fact_map>* restore_expected = nullptr;
    /// Hosts in flight at most, as the open-files limit was measured where
    /// the run started (the figure its note said); 0: measured here.
    unsigned in_flight = 0;
};

/// One host's final state in a rollout.
struct host_result {
    const host_entry* host = nullptr;
    int batch = 0;  // 1-based
    host_outcome outcome;
    bool attempted = false;  // false: skipped
};

struct rollout_result {
    run_mode mode = run_mode::apply;
    std::vector<host_result> hosts;  // plan order
    bool halted = false;
    int halted_batch = 0;  // 1-based; 0 when not halted
    std::string halt_reason;
    bool interrupted = false;
    /// Why the journal stopped recording (empty: it recorded everything).
    /// From then on no host was changed; the hosts not started are skipped.
    std::string journal_error;
    bool window_closed = false;  // the maintenance window closed: the rest was skipped (resumable)

    [[nodiscard]] std::size_t count(host_status status) const noexcept;
    /// Hosts whose step in flight a second signal cancelled (host_outcome::cut_off).
    [[nodiscard]] std::size_t cut_off() const noexcept;
};

/// What a rollout amounts to, most serious first; the CLI maps it to its
/// documented exit status.
enum class run_verdict { journal_failed, window_closed, interrupted, halted, host_failures, unreachable_only, success };
[[nodiscard]] run_verdict verdict_of(const rollout_result& result) noexcept;

/// A failure for the threshold: failed, unreachable, rollback-failed, and, in
/// apply mode, rolled-back (under rollback-host that host failed its verify;
/// restoring it does not make the batch healthy).
[[nodiscard]] bool counts_as_failure(host_status status, run_mode mode) noexcept;

/// Whether a finished host is restored when the policy rolls back: it was
/// changed, or it failed after its apply ran and its facts now differ from
/// the facts before (or could not be captured: it may be half changed).
[[nodiscard]] bool needs_rollback(const host_outcome& outcome) noexcept;

class rollout_executor {
public:
    /// book and sink must outlive the executor.
    rollout_executor(const playbook& book, event_sink& sink, rollout_options options,
                     transport_factory make_transport = default_transport_factory(),
                     teredo_probe_function probe = default_teredo_probe());

    /// Runs the playbook (mode apply or check) over `batches`. `header` carries
    /// what the caller knows (run id, paths, hashes); the executor fills in the
    /// mode, rollout and batch plan and emits it as run_started.
    [[nodiscard]] rollout_result run(const std::vector<std::vector<const host_entry*>>& batches,
                                     run_started header);

    /// `fleetmend rollback`: restores facts_before[host name] on each host
    /// (mode rollback), with the same batching and threshold. A host without
    /// facts ends rollback-failed.
    [[nodiscard]] rollout_result restore(const std::vector<std::vector<const host_entry*>>& batches,
                                         const std::map<std::string, fact_map>& facts_before,
                                         run_started header);

    /// `fleetmend resume`: continues a run with the same plan and policy.
    /// `header` is the journal's first run_started (same run id); it is
    /// published again to mark the resume. Finished hosts keep their outcome,
    /// interrupted hosts continue from their recorded phase
    /// (host_runner::resume), hosts not started run normally; judged batches
    /// are not judged again; a halted rollout stays halted (the hosts left are
    /// skipped). The result covers every host of the plan, as if the run had
    /// never stopped. A resumed rollback run (mode rollback) passes the facts
    /// it restores.
    [[nodiscard]] rollout_result resume(const std::vector<std::vector<const host_entry*>>& batches,
                                        const resume_state& before, run_started header,
                                        const std::map<std::string, fact_map>* facts_before = nullptr);

private:
    using host_work = std::function<host_outcome(const host_entry&, int batch)>;
    [[nodiscard]] host_outcome restore_one(const host_entry& host, int batch,
                                           const std::map<std::string, fact_map>& facts_before);
    rollout_result execute(const std::vector<std::vector<const host_entry*>>& batches,
                           run_started header, const host_work& work, const resume_state* before = nullptr);
    using slot_work = std::function<host_outcome(const host_result&)>;
    void run_pool(std::vector<host_result*>& hosts, const slot_work& work, bool honour_stop);
    void roll_back_after_trip(rollout_result& result, int batch);
    [[nodiscard]] bool stopping() const noexcept;
    [[nodiscard]] bool window_closed() const noexcept;

    const playbook& book_;
    event_sink& sink_;
    rollout_options options_;
    host_runner runner_;
    mutable std::atomic<bool> window_closed_{false};  // latched: a window that closed stays closed for this run
};

}  // namespace fleetmend
