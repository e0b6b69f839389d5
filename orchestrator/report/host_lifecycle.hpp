#pragma once
/// One host's lifecycle, written once: its phases, the transitions allowed
/// between them, and which of them change the host. The runner drives it
/// (engine/host_walk), the journal records every transition (a
/// `host_transition` event, on disk before a transition that changes the
/// host returns), resume reads the last recorded phase back with
/// `fold_progress` and the report folds the same events.
///
///   connect -> capture -> compliant -> apply -> verify -> recapture -> done
///   (apply, verify or recapture failed, by policy) -> rollback -> done
/// A restore (`fleetmend rollback`, a batch rolled back) goes connect ->
/// rollback, or connect -> capture -> rollback when the host must first show
/// the facts the report left it with. Every phase may end the host (-> done).
///
/// Adding a phase: one row in the table (host_lifecycle.cpp) and one handler
/// in host_walk.
#include "orchestrator/report/events.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fleetmend {

/// One allowed transition.
struct lifecycle_transition {
    host_phase from;
    host_phase to;
    /// Entering `to` may change the host: the transition's record must be on
    /// disk first, and a journal that cannot record refuses it.
    bool changes_host;
};

/// Every allowed transition, in lifecycle order.
[[nodiscard]] std::span<const lifecycle_transition> lifecycle_table() noexcept;
/// Whether `from -> to` is in the table.
[[nodiscard]] bool transition_allowed(host_phase from, host_phase to) noexcept;
/// Whether entering `to` may change the host (apply, rollback).
[[nodiscard]] bool phase_changes_host(host_phase to) noexcept;

/// Whether a journal that cannot record any more refuses entering `to`. An
/// apply is always refused; a rollback goes ahead when the facts it restores
/// are durable already (recorded before an earlier transition synced, or read
/// from a report on disk): restoring a host is what that record is for.
[[nodiscard]] bool refused_without_journal(host_phase to, bool facts_before_durable) noexcept;

/// How far one host got, read back from the journal's events (the one resume
/// type: scheduler, runner and report all take it). Pure.
struct host_progress {
    bool started = false;
    /// host_finished recorded with a final status (skipped is not final: an
    /// interrupted run's skipped hosts have not run yet).
    bool finished = false;
    /// The last phase recorded entered (connect before any transition).
    host_phase recorded_phase = host_phase::connect;
    /// The failure that led into `recorded_phase` (recapture or rollback after a failed
    /// apply or verify); empty when the previous phase succeeded.
    std::string cause;
    /// Steps of `recorded_phase` recorded finished ok, in order: a resume continues the
    /// phase with the next one, never running a finished step again.
    std::size_t steps_done = 0;
    /// A step of `recorded_phase` recorded finished and failed: that outcome stands
    /// (its message); a resume goes on from it as the run would have.
    std::string step_failure;
    /// A step started without a recorded end (its remote action may have run).
    std::optional<phase> open_step;
    /// The first facts captured before any change (the state rollback restores).
    fact_map facts_before;
    bool captured = false;
    fact_map facts_after;
    /// A phase that changes the host was entered at some point.
    bool host_may_differ = false;
    /// With `finished`: what host_finished recorded.
    host_status status = host_status::failed;
    std::optional<error_kind> error;
    std::string message;
};

/// Folds one event into the progress of the host it names (call it only with
/// events of that host, in journal order). A host that finished keeps that
/// outcome: what a batch rollback later did to it is redone by the resumed
/// batch, which judges and rolls back again.
void fold_progress(host_progress& progress, const run_event& event);

/// The host an event is about; empty for run- and batch-level events.
[[nodiscard]] std::string_view event_host(const run_event& event) noexcept;

}  // namespace fleetmend
