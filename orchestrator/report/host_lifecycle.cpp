#include "orchestrator/report/host_lifecycle.hpp"

#include <algorithm>
#include <array>

namespace fleetmend {
namespace {

using enum host_phase;

// The lifecycle. A row per allowed transition; `true` marks the ones that
// may change the host (the journal records them durably first).
constexpr std::array<lifecycle_transition, 22> table{{
    {connect, capture, false},     // connected
    {connect, rollback, true},     // a restore: put the recorded facts back
    {connect, done, false},        // unreachable
    {capture, compliant, false},   // captured: judge it
    {capture, rollback, true},     // a restore whose host still shows what the report left
    {capture, done, false},        // the capture failed, or missed a fact rollback needs
    {compliant, apply, true},      // not compliant: change it
    {compliant, done, false},      // compliant (unchanged), a check (would-change), or no journal
    {apply, verify, false},        // every apply step ran (or, resumed, the change had landed)
    {apply, recapture, false},     // an apply step failed: where does the host stand?
    {apply, rollback, true},       // it failed and the connection is in doubt: restore by policy
    {apply, done, false},          // it failed and there is nothing to undo (no policy)
    {verify, recapture, false},    // verified (the facts after), or failed: anything to undo?
    {verify, rollback, true},      // it failed and the connection is in doubt: restore by policy
    {verify, done, false},         // it failed, no rollback policy
    {recapture, rollback, true},   // after a failure the host differs: restore by policy
    {recapture, done, false},      // changed, or failed with nothing to undo
    {rollback, done, false},       // rolled back or rollback-failed
    // A resumed host is connected and captured again without a record (its
    // recorded phase stays what a crash now would leave), then re-enters the
    // phase the journal holds, through the same gate:
    {apply, apply, true},          // resumed mid-apply: the next apply step not recorded finished
    {rollback, rollback, true},    // resumed mid-rollback: likewise
    {verify, verify, false},       // resumed mid-verify: the verify reads again
    {recapture, recapture, false}, // resumed mid-recapture: it reads again
}};

}  // namespace

const char* to_string(host_phase p) noexcept {
    switch (p) {
        case connect: return "connect";
        case capture: return "capture";
        case compliant: return "compliant";
        case apply: return "apply";
        case verify: return "verify";
        case rollback: return "rollback";
        case recapture: return "recapture";
        case done: return "done";
    }
    return "?";
}

std::span<const lifecycle_transition> lifecycle_table() noexcept { return table; }

bool transition_allowed(host_phase from, host_phase to) noexcept {
    return std::any_of(table.begin(), table.end(),
                       [&](const lifecycle_transition& t) { return t.from == from && t.to == to; });
}

bool phase_changes_host(host_phase to) noexcept {
    return std::any_of(table.begin(), table.end(),
                       [&](const lifecycle_transition& t) { return t.to == to && t.changes_host; });
}

bool refused_without_journal(host_phase to, bool facts_before_durable) noexcept {
    if (!phase_changes_host(to)) return false;
    return to != rollback || !facts_before_durable;
}

std::string_view event_host(const run_event& event) noexcept {
    return std::visit(
        [](const auto& e) -> std::string_view {
            if constexpr (requires { e.host; }) return e.host;
            return {};
        },
        event);
}

void fold_progress(host_progress& p, const run_event& event) {
    if (p.finished) return;
    std::visit(
        [&p](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, host_started>) {
                p.started = true;
                p.open_step.reset();
            } else if constexpr (std::is_same_v<E, host_transition>) {
                if (e.to != p.recorded_phase) {
                    p.steps_done = 0;
                    p.step_failure.clear();
                }
                p.recorded_phase = e.to;
                p.cause = e.cause;
                p.open_step.reset();
                if (phase_changes_host(e.to)) p.host_may_differ = true;
            } else if constexpr (std::is_same_v<E, step_started>) {
                p.open_step = e.in_phase;
                // Recorded before its command ran: the host may differ from
                // here on, whatever phase was recorded (a journal written
                // before transitions were recorded has only this).
                if (e.in_phase == phase::apply || e.in_phase == phase::rollback) p.host_may_differ = true;
            } else if constexpr (std::is_same_v<E, step_finished>) {
                // Cut off by the operator: still open, as if the run had
                // ended there (resume treats it as a crash at that point).
                if (e.step.error == error_kind::cancelled) return;
                p.open_step.reset();
                // Only the steps of a changing phase count: reads are taken again.
                const bool of_phase = (p.recorded_phase == apply && e.step.in_phase == phase::apply) ||
                                      (p.recorded_phase == rollback && e.step.in_phase == phase::rollback);
                if (!of_phase) return;
                if (e.step.ok)
                    ++p.steps_done;
                else
                    p.step_failure = std::string(to_string(e.step.in_phase)) + " '" + e.step.name +
                                     "' failed: " + e.step.message;
            } else if constexpr (std::is_same_v<E, facts_captured>) {
                if (e.before && !p.captured) {
                    p.facts_before = e.facts;
                    p.captured = true;
                } else if (!e.before) {
                    p.facts_after = e.facts;
                }
            } else if constexpr (std::is_same_v<E, host_finished>) {
                if (e.status == host_status::skipped) return;
                p.finished = true;
                p.recorded_phase = done;
                p.status = e.status;
                p.error = e.error;
                p.message = e.message;
            }
        },
        event);
}

}  // namespace fleetmend
