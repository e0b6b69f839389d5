#pragma once
/// What `fleetmend run` and `fleetmend rollback` share on the command line:
/// the batching, threshold, confirmation and report flags, the confirmation
/// prompt, the exit status of a rollout and the closing recap.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/engine/run_driver.hpp"
#include "orchestrator/engine/run_targets.hpp"
#include "orchestrator/report/report.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetmend::cli {

struct rollout_flags {
    std::string limit;
    std::optional<shard_spec> shard;  // --shard K/N, checked while parsing
    rollout_overrides overrides;
    unsigned concurrency = 0;
    double max_fail_percentage = 0;
    std::uint64_t seed = 0;
    std::string report_dir = "reports";
    std::string change_ticket;  // --change-ticket
    bool yes = false;
    bool step = false;
    CLI::Option* concurrency_option = nullptr;
    CLI::Option* max_fail_option = nullptr;
    CLI::Option* seed_option = nullptr;

    /// The overrides, with the numeric flags only when they were given.
    [[nodiscard]] rollout_overrides given() const;
};

void add_rollout_flags(CLI::App& sub, rollout_flags& flags);

/// After --limit @SCAN: how many scan hosts were targeted and which were
/// not (never contacted), on stderr.
void print_scan_summary(const char* command, const scan_source& scan, std::size_t targeted);

/// The preflight's figures and failures, on stderr.
void print_preflight(const char* command, const preflight_summary& summary, bool stops_run);
/// A run stopped by its preflight: 3 when every failure is unreachable, else 2.
[[nodiscard]] int preflight_exit_status(const preflight_summary& summary) noexcept;

/// Prints "fleetmend <command>: <message>" (command may be null) on stderr
/// and returns exit_bad_input; with --json also one {"event":"error"} line
/// on stdout, so a script reading JSON sees why nothing ran.
int report_bad_input(const char* command, const std::string& message);
/// Set once by main from the command line (--json anywhere before "--").
void set_json_errors(bool on) noexcept;

/// What to do when there is no terminal to confirm on: --yes, and --check
/// only for the commands that have it (run, rollback).
[[nodiscard]] std::string confirmation_hint(std::string_view command);

/// Asks before changing hosts unless --yes. Nothing: go ahead. A value: stop
/// with that status (declined: success, nothing changed; no terminal to ask
/// on and no --yes: bad input, with what to do).
[[nodiscard]] std::optional<int> confirm_change(const char* command, const std::string& what,
                                                const rollout_flags& flags);

[[nodiscard]] int exit_status_for(run_verdict verdict) noexcept;

/// After a run, a resumed one included: the recap and both file paths (or,
/// with --json, one "files" event), and the exit status, worse if the
/// report could not be written. `resumed` words the recap for `resume`.
[[nodiscard]] int report_outcome(const char* command, const drive_outcome& outcome, run_mode mode,
                                 const global_options& global, bool resumed);

/// Runs the plan in a run session with the progress form the output calls
/// for, then prints the recap and both file paths. Returns the exit status.
[[nodiscard]] int drive_and_report(const char* command, const playbook& book, const planned_rollout& plan,
                                   const rollout_settings& settings, run_mode mode, const rollout_flags& flags,
                                   const global_options& global, run_started header,
                                   const std::map<std::string, fact_map>* facts_before,
                                   std::function<bool()> window_open = {});

}  // namespace fleetmend::cli
