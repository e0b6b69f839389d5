#pragma once
/// What a run that changes hosts must pass before it touches one: a change
/// ticket when the playbook requires it, the maintenance window (outside
/// it: exit 6 with the next opening), and the approval record (ticket, who
/// confirmed, where, when, the command line) that goes into the report.
/// `--check` and `audit` change nothing and skip all of it.
#include "orchestrator/cli/rollout_flags.hpp"

#include <expected>
#include <functional>

namespace fleetmend::cli {

/// The window predicate for the rollout (null without a window), or the exit
/// status to stop with (the message is printed).
[[nodiscard]] std::expected<std::function<bool()>, int> open_change_gate(const char* command,
                                                                        const rollout_settings& settings,
                                                                        const rollout_flags& flags);

/// The approval of a run that was just confirmed (prompt or --yes).
[[nodiscard]] run_approval make_approval(const rollout_flags& flags, const global_options& global);

/// argv shell-quoted, as the report records it.
[[nodiscard]] std::string quoted_command_line(int argc, const char* const* argv);

}  // namespace fleetmend::cli
