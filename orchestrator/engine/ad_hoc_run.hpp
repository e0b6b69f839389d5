#pragma once
/// `fleetmend exec`: one ad-hoc command on every targeted host, with the
/// transports, concurrency and progress view of a run but no journal and no
/// capture, so nothing of it can be rolled back. The command is the single
/// apply step of a playbook made for it: a host that ran it with exit 0 ends
/// `changed` (fleetmend cannot know what an ad-hoc command changed, so it
/// assumes it may have), any other exit `failed`, no connection `unreachable`.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/rollout_executor.hpp"
#include "orchestrator/engine/run_progress.hpp"
#include "orchestrator/report/report.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace fleetmend {

/// What exec keeps of each stream (the report's excerpts; totals say the rest).
inline constexpr std::size_t ad_hoc_excerpt_bytes = 64 * 1024;

struct ad_hoc_options {
    std::string command;
    /// None: sh when every target is reached over SSH, else cmd.
    std::optional<shell_kind> shell;
    std::chrono::milliseconds timeout{0};  // 0: each host's command_timeout
    unsigned concurrency = 50;
    progress_style style = progress_style::plain;
    std::FILE* progress_out = stdout;  // null: no progress at all
    const std::atomic<bool>* stop = nullptr;
    /// Requested on a second signal: the commands in flight are cancelled on
    /// their hosts and those hosts end cut off, with what they printed so far.
    std::stop_token cancel;
    transport_factory make_transport = default_transport_factory();
};

/// The playbook exec runs: one apply step, exit 0 expected, no capture,
/// no compliance test, no rollback.
[[nodiscard]] playbook ad_hoc_playbook(const std::string& command, shell_kind shell, std::chrono::milliseconds timeout);

/// The shell exec uses for these targets when none is asked for.
[[nodiscard]] shell_kind default_ad_hoc_shell(const std::vector<const host_entry*>& targets) noexcept;

struct ad_hoc_outcome {
    rollout_result result;
    run_report report;
    /// Of the hosts a second signal cut off (result.cut_off()), those still
    /// connecting: their command never started.
    std::size_t stopped_connecting = 0;
};

/// Runs the command on every target at once (one batch, `concurrency` in
/// flight; a failure never stops the others). `header` names the run (id,
/// inventory); its playbook fields describe the command.
[[nodiscard]] ad_hoc_outcome run_ad_hoc(const std::vector<const host_entry*>& targets, const ad_hoc_options& options,
                                        run_started header);

}  // namespace fleetmend
