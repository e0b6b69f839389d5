#pragma once
/// Each sub-command of `fleetmend` lives in its own file and registers itself
/// on the application here; its callback stores the process exit status.
#include <CLI/CLI.hpp>

namespace fleetmend::cli {

/// Documented, distinct exit statuses (README "Exit status").
enum exit_status : int {
    exit_success = 0,
    exit_host_failures = 2,   // some hosts failed (or rolled back)
    exit_unreachable = 3,     // some hosts unreachable, none failed otherwise
    exit_halted = 4,          // the rollout stopped at its failure threshold
    exit_interrupted = 5,     // SIGINT/SIGTERM; resume with `fleetmend resume`
    exit_outside_window = 6,  // outside the maintenance window (nothing changed), or it closed mid-run
    exit_bad_input = 64,      // bad command line, inventory, playbook or report
    exit_internal = 70,       // a bug: please report it
};

/// Options every command shares (set before the sub-command runs).
struct global_options {
    int verbosity = 0;   // -v, -vv
    bool json = false;   // --json: machine-readable events on stdout
    std::string command_line;  // as typed (shell-quoted), for the run's approval record
};

void add_validate_command(CLI::App& app, const global_options& global, int& status);
void add_inventory_command(CLI::App& app, const global_options& global, int& status);
void add_run_command(CLI::App& app, const global_options& global, int& status);
void add_rollback_command(CLI::App& app, const global_options& global, int& status);
void add_resume_command(CLI::App& app, const global_options& global, int& status);
void add_report_command(CLI::App& app, const global_options& global, int& status);
void add_audit_command(CLI::App& app, const global_options& global, int& status);
void add_lab_command(CLI::App& app, const global_options& global, int& status);
void add_exec_command(CLI::App& app, const global_options& global, int& status);
void add_plan_command(CLI::App& app, const global_options& global, int& status);
/// `completion bash|zsh` and `man`, generated from the other commands' definitions: add it last.
void add_completion_command(CLI::App& app, const global_options& global, int& status);
void add_demo_command(CLI::App& app, const global_options& global, int& status);

}  // namespace fleetmend::cli
