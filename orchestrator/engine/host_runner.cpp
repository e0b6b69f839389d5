#include "orchestrator/engine/host_runner.hpp"

#include "orchestrator/config/command_template.hpp"
#include "orchestrator/engine/host_session.hpp"

#include <utility>

namespace fleetmend {
namespace {

wall_time now_wall() { return std::chrono::system_clock::now(); }

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string text;
    for (const auto& part : parts) {
        if (!text.empty()) text += separator;
        text += part;
    }
    return text;
}

std::string with_cause(const std::string& cause, std::string what) {
    return cause.empty() ? what : cause + "; " + what;
}

/// Where a walk starts and what an interrupted run recorded before it.
struct walk_start {
    bool restore = false;              // a restore: connect -> rollback
    const host_progress* resumed = nullptr;
    /// A restore that first checks the host shows these facts (the report's after).
    const fact_map* expected_now = nullptr;
};

/// One walk of one host through its lifecycle: a handler per phase returns
/// the next phase; enter() records each transition and holds the rule that
/// no change starts without a durable record. Lives for one workflow.
class host_walk {
public:
    host_walk(host_session& session, const playbook& book, const runner_options& options, event_sink& sink,
              const host_entry& host, host_outcome& outcome)
        : session_(session), book_(book), options_(options), sink_(sink), host_(host), outcome_(outcome) {}

    void drive(const walk_start& start) {
        restore_ = start.restore;
        expected_now_ = start.expected_now;
        host_phase next = start.resumed ? continue_from(*start.resumed) : on_connect();
        // A cut-off step ends the walk before any further transition (no
        // rollback, no recapture): the journal keeps the phase it was in.
        while (next != host_phase::done && !session_.cut_off()) {
            if (!enter(next)) break;
            next = handle(next);
        }
        if (session_.cut_off()) {
            outcome_.cut_off = true;
            outcome_.status = host_status::skipped;
            outcome_.error = error_kind::cancelled;
            outcome_.message = "cut off by a second signal in " + std::string(to_string(phase_)) + " (" +
                               outcome_.message + "); `fleetmend resume` captures this host again";
        }
    }

private:
    host_phase handle(host_phase p) {
        switch (p) {
            case host_phase::connect: return on_connect();
            case host_phase::capture: return on_capture();
            case host_phase::compliant: return on_compliant();
            case host_phase::apply: return on_apply();
            case host_phase::verify: return on_verify();
            case host_phase::recapture: return on_recapture();
            case host_phase::rollback: return on_rollback();
            case host_phase::done: break;
        }
        return host_phase::done;
    }

    /// Records `phase_ -> to`. A transition that changes the host is durable
    /// when publish returns; it is refused (the host ends unchanged by it)
    /// when the journal cannot record. False: the walk ends here.
    bool enter(host_phase to) {
        if (!transition_allowed(phase_, to)) {
            outcome_.status = host_status::failed;
            outcome_.message = with_cause(outcome_.message, std::string("internal error: the lifecycle has no ") +
                                                                to_string(phase_) + " -> " + to_string(to));
            return false;
        }
        const bool gated = refused_without_journal(to, session_.facts_durable());
        if (gated && refuse_unrecorded(to)) return false;
        sink_.publish(host_transition{host_.name, phase_, to, cause_, now_wall()});
        // The sync of this very record may be what failed.
        if (gated && refuse_unrecorded(to)) return false;
        if (phase_changes_host(to)) session_.mark_facts_durable();
        phase_ = to;
        return true;
    }

    /// Ends the walk when the sink cannot record a change (true).
    bool refuse_unrecorded(host_phase to) {
        const auto health = sink_.record_health();
        if (health) return false;
        outcome_.refused_by_journal = true;
        const std::string why = std::string("not ") + (to == host_phase::apply ? "changed" : "rolled back") +
                                ": the journal cannot record it (" + health.error() + ")";
        if (to == host_phase::apply) {
            // Nothing was changed: the host is as its capture found it, and a
            // resume runs it anew.
            outcome_.status = host_status::skipped;
            outcome_.facts_after = outcome_.facts_before;
        } else {
            outcome_.status = outcome_.status == host_status::failed && !restore_ ? host_status::failed
                                                                                  : host_status::rollback_failed;
        }
        outcome_.message = with_cause(outcome_.message, why);
        return true;
    }

    host_phase on_connect() {
        const auto on_failure = restore_ ? host_status::rollback_failed : host_status::unreachable;
        if (!session_.connect(outcome_, on_failure)) {
            if (restore_) outcome_.message = "rollback could not " + outcome_.message;
            return host_phase::done;
        }
        if (restore_) {
            outcome_.apply_attempted = true;
            session_.mark_facts_durable();  // they come from a report on disk
            return expected_now_ ? host_phase::capture : host_phase::rollback;
        }
        return host_phase::capture;
    }

    host_phase on_capture() {
        if (restore_) return check_before_restore();
        auto before = session_.capture(phase::capture, outcome_);
        if (!before) {
            outcome_.status = host_status::failed;
            return host_phase::done;
        }
        outcome_.captured = true;
        outcome_.facts_before = *before;
        session_.publish_facts(true, *before);
        return host_phase::compliant;
    }

    host_phase on_compliant() {
        const auto misses = compliance_misses(book_.compliant, outcome_.facts_before);
        if (!book_.compliant.empty() && misses.empty()) {
            outcome_.status = host_status::unchanged;
            return finish_unchanged();
        }
        if (options_.mode == run_mode::check) {
            outcome_.status = host_status::would_change;
            outcome_.message = book_.compliant.empty() ? "the playbook has no compliant test; a run applies"
                                                       : "would change: " + join(misses, "; ");
            return finish_unchanged();
        }
        // What rollback would need and the capture did not give: changing the
        // host now could never be undone.
        std::vector<std::string> missing;
        for (const auto& name : facts_rollback_needs(book_))
            if (!outcome_.facts_before.contains(name)) missing.push_back(name);
        if (!missing.empty()) {
            outcome_.status = host_status::failed;
            outcome_.message = "not changed: the capture gave no value for " + join(missing, ", ") +
                               ", which the rollback steps need to restore this host (the capture step's output "
                               "in the report shows what the host printed)";
            return host_phase::done;
        }
        return host_phase::apply;
    }

    /// A restore from a report: the host must still show what that run left
    /// (or already what it had before), or something else changed it since.
    host_phase check_before_restore() {
        host_outcome reading;
        auto now = session_.capture(phase::capture, reading);
        if (!now) {
            outcome_.status = host_status::rollback_failed;
            outcome_.error = reading.error;
            outcome_.message = "not restored: " + reading.message;
            return host_phase::done;
        }
        const auto moved = fact_differences(*expected_now_, *now);
        if (!moved.empty() && !fact_differences(outcome_.facts_before, *now).empty()) {
            outcome_.status = host_status::rollback_failed;
            outcome_.facts_after = *now;
            outcome_.message = "not restored: the host no longer has the facts the report left it with (" +
                               join(moved, ", ") + "); something changed it since; --force restores anyway";
            return host_phase::done;
        }
        return host_phase::rollback;
    }

    host_phase finish_unchanged() {
        outcome_.facts_after = outcome_.facts_before;
        session_.publish_facts(false, outcome_.facts_before);
        return host_phase::done;
    }

    host_phase on_apply() {
        outcome_.apply_attempted = !book_.apply.empty();
        const std::size_t first = std::exchange(skip_steps_, 0);
        if (session_.run_steps(book_.apply, phase::apply, outcome_.facts_before, outcome_, first)) {
            cause_.clear();
            return host_phase::verify;
        }
        return after_failure();
    }

    host_phase on_verify() {
        if (session_.run_steps(book_.verify, phase::verify, outcome_.facts_before, outcome_)) {
            cause_.clear();
            return host_phase::recapture;
        }
        return after_failure();
    }

    /// An apply or verify failed (outcome_.message says how): is there anything to undo?
    host_phase after_failure() {
        outcome_.status = host_status::failed;
        cause_ = outcome_.message;
        if (session_.last_failure_was_refusal()) outcome_.refused_by_journal = true;
        if (!outcome_.apply_attempted) return host_phase::done;
        // A dead connection leaves where the host stands unknown: rollback is tried.
        if (session_.last_failure_was_transport())
            return options_.rollback_on_failure ? host_phase::rollback : host_phase::done;
        return host_phase::recapture;
    }

    host_phase on_recapture() {
        host_outcome reading;
        auto after = session_.capture(phase::capture, reading);
        if (after) {
            outcome_.facts_after = *after;
            session_.publish_facts(false, *after);
        }
        if (cause_.empty()) {
            outcome_.status = host_status::changed;
            if (!after) outcome_.message = with_cause(outcome_.message, "changed, but capturing the facts after failed: " +
                                                                            reading.message);
            return host_phase::done;
        }
        outcome_.status = host_status::failed;
        outcome_.message = cause_;
        if (after && fact_differences(outcome_.facts_before, *after).empty()) {
            outcome_.message += "; the host still has its facts before, so nothing needs rolling back";
            // Stopped by the journal, not by the host: a resume runs it anew.
            if (outcome_.refused_by_journal) outcome_.status = host_status::skipped;
            return host_phase::done;
        }
        return options_.rollback_on_failure ? host_phase::rollback : host_phase::done;
    }

    /// Rollback steps with the facts before, then a capture that must give
    /// those facts back. Ends rolled-back or rollback-failed.
    host_phase on_rollback() {
        const std::string cause = outcome_.message;
        const std::size_t first = std::exchange(skip_steps_, 0);
        outcome_.apply_attempted = true;
        if (book_.rollback.empty()) {
            outcome_.status = host_status::rollback_failed;
            outcome_.message = with_cause(cause, "the playbook has no rollback steps, so nothing was restored");
            return host_phase::done;
        }
        host_outcome result;
        if (!session_.run_steps(book_.rollback, phase::rollback, outcome_.facts_before, result, first)) {
            outcome_.status = host_status::rollback_failed;
            outcome_.error = result.error;
            outcome_.message = with_cause(cause, result.message);
            return host_phase::done;
        }
        auto after = session_.capture(phase::rollback_verify, result);
        if (!after) {
            outcome_.status = host_status::rollback_failed;
            outcome_.error = result.error;
            outcome_.message = with_cause(cause, result.message);
            return host_phase::done;
        }
        outcome_.facts_after = *after;
        session_.publish_facts(false, *after);
        const auto differences = fact_differences(outcome_.facts_before, *after);
        if (!differences.empty()) {
            outcome_.status = host_status::rollback_failed;
            outcome_.error.reset();
            outcome_.message = with_cause(cause, "rollback did not restore the facts before: " + join(differences, ", "));
            return host_phase::done;
        }
        outcome_.status = host_status::rolled_back;
        outcome_.message = with_cause(cause, "rolled back to the facts before");
        return host_phase::done;
    }

    /// A host the journal shows cut off: reconnect and capture again without a
    /// record (a crash now leaves the recorded phase as it is), then go on
    /// from the recorded phase. Returns the next phase to enter.
    host_phase continue_from(const host_progress& p) {
        if (!p.host_may_differ) {
            // Cut off before any change: the host is as it was; run it anew.
            return on_connect();
        }
        if (!session_.connect(outcome_, restore_ ? host_status::rollback_failed : host_status::unreachable))
            return host_phase::done;
        outcome_.captured = p.captured || restore_;
        if (p.captured) outcome_.facts_before = p.facts_before;
        if (restore_ || p.captured) session_.mark_facts_durable();  // read back from the journal's file
        phase_ = p.recorded_phase;
        cause_ = p.cause;
        outcome_.apply_attempted = true;
        if (p.recorded_phase == host_phase::rollback) {
            outcome_.message = p.cause;
            if (!p.step_failure.empty()) {
                outcome_.status = host_status::rollback_failed;
                outcome_.message = with_cause(p.cause, p.step_failure);
                return host_phase::done;
            }
            skip_steps_ = p.steps_done;
            note_ = "resumed the rollback the interruption cut off";
            return host_phase::rollback;
        }
        host_outcome reading;
        auto now = session_.capture(phase::capture, reading);
        if (!now) {
            outcome_.status = host_status::failed;
            outcome_.error = reading.error;
            outcome_.message = reading.message;
            return host_phase::done;
        }
        if (!p.captured) {
            outcome_.facts_before = *now;
            outcome_.captured = true;
            session_.publish_facts(true, *now);
        }
        const bool compliant_now = !book_.compliant.empty() && compliance_misses(book_.compliant, *now).empty();
        switch (p.recorded_phase) {
            case host_phase::apply:
                if (!p.step_failure.empty()) {
                    // The apply failed before the interruption: that outcome stands.
                    outcome_.message = p.step_failure;
                    note_ = "resumed after the recorded apply failure";
                    phase_ = host_phase::apply;
                    return after_failure();
                }
                if (compliant_now) {
                    note_ = "resumed: the apply had already taken effect, so it was not run again";
                    return host_phase::verify;
                }
                skip_steps_ = p.steps_done;
                note_ = p.steps_done > 0 ? "resumed: the apply went on after its steps recorded finished"
                                         : std::string();
                return host_phase::apply;
            case host_phase::verify:
                note_ = "resumed: the apply had finished before the interruption, so it was not run again";
                return host_phase::verify;
            case host_phase::recapture:
                note_ = "resumed: the apply had finished before the interruption, so it was not run again";
                outcome_.message = p.cause;
                return host_phase::recapture;
            default:
                // A change phase was entered but no later phase recorded it
                // ended: the verify judges where the host stands.
                phase_ = host_phase::verify;
                return host_phase::verify;
        }
    }

public:
    /// What a resume adds in front of the outcome's message.
    [[nodiscard]] const std::string& note() const noexcept { return note_; }

private:
    host_session& session_;
    const playbook& book_;
    const runner_options& options_;
    event_sink& sink_;
    const host_entry& host_;
    host_outcome& outcome_;
    host_phase phase_ = host_phase::connect;
    std::string cause_;           // the failure that leads into the next phase
    std::size_t skip_steps_ = 0;  // steps of the next changing phase the journal shows finished
    bool restore_ = false;
    const fact_map* expected_now_ = nullptr;
    std::string note_;
};

host_started started_event(const host_entry& host, int batch) {
    return {host.name, host.connection.address.empty() ? host.name : host.connection.address,
            host.connection.kind, batch, now_wall()};
}

/// Runs `body`, the work on one host: an exception inside becomes that host's
/// failure (`on_error`) instead of ending the run for every host, and the
/// host's end is published whatever happened.
template <typename Body>
void run_then_finish(event_sink& sink, const host_entry& host, host_outcome& outcome, host_status on_error,
                     std::string_view context, Body&& body) noexcept {
    try {
        body();
    } catch (const std::exception& e) {
        outcome.status = on_error;
        outcome.message = "internal error" + std::string(context) + ": " + e.what();
    } catch (...) {
        outcome.status = on_error;
        outcome.message = "internal error" + std::string(context);
    }
    // A cut-off host stays in flight in the journal (host_outcome::cut_off).
    if (outcome.cut_off) return;
    try {
        sink.publish(host_finished{host.name, outcome.status, outcome.error, outcome.message, now_wall(),
                                   outcome.connection});
    } catch (...) {
        // the sink reports its own failures; the outcome still goes back
    }
}

}  // namespace

std::vector<std::string> compliance_misses(const std::map<std::string, std::string>& compliant,
                                           const fact_map& facts) {
    std::vector<std::string> misses;
    for (const auto& [name, wanted] : compliant) {
        const auto found = facts.find(name);
        if (found == facts.end())
            misses.push_back(name + " was not captured, wants " + wanted);
        else if (found->second != wanted)
            misses.push_back(name + " is " + found->second + ", wants " + wanted);
    }
    return misses;
}

std::vector<std::string> fact_differences(const fact_map& before, const fact_map& after) {
    std::vector<std::string> differences;
    for (const auto& [name, value] : before) {
        const auto found = after.find(name);
        if (found == after.end())
            differences.push_back(name + ": was " + value + ", now missing");
        else if (found->second != value)
            differences.push_back(name + ": was " + value + ", now " + found->second);
    }
    for (const auto& [name, value] : after)
        if (!before.contains(name)) differences.push_back(name + ": was missing, now " + value);
    return differences;
}

std::set<std::string> facts_rollback_needs(const playbook& book) {
    std::set<std::string> names;
    for (const step& s : book.rollback) {
        const auto refs = scan_template(s.run);
        if (!refs) continue;  // the playbook loader reports a bad template
        for (const auto& ref : *refs)
            if (ref.name != "host.name" && !ref.name.starts_with("vars.")) names.insert(ref.name);
    }
    return names;
}

host_runner::host_runner(const playbook& book, event_sink& sink, runner_options options,
                         transport_factory make_transport, teredo_probe_function probe)
    : book_(book), sink_(sink), options_(options), make_transport_(std::move(make_transport)),
      probe_(std::move(probe)) {}

host_outcome host_runner::run(const host_entry& host, int batch) const noexcept {
    host_outcome outcome;
    run_then_finish(sink_, host, outcome, host_status::failed, "", [&] {
        sink_.publish(started_event(host, batch));
        host_session session(book_, sink_, options_, make_transport_, probe_, host);
        host_walk(session, book_, options_, sink_, host, outcome).drive({});
        outcome.connection = session.figures();
    });
    return outcome;
}

host_outcome host_runner::roll_back(const host_entry& host, const fact_map& facts_before, int batch,
                                    const fact_map* expected_now) const noexcept {
    host_outcome outcome;
    outcome.captured = true;
    outcome.facts_before = facts_before;
    run_then_finish(sink_, host, outcome, host_status::rollback_failed, " during rollback", [&] {
        sink_.publish(started_event(host, batch));
        host_session session(book_, sink_, options_, make_transport_, probe_, host);
        host_walk(session, book_, options_, sink_, host, outcome)
            .drive({.restore = true, .expected_now = expected_now});
        outcome.connection = session.figures();
    });
    return outcome;
}

host_outcome host_runner::resume(const host_entry& host, int batch, const host_progress& progress,
                                 const fact_map* restore) const noexcept {
    host_outcome outcome;
    if (restore) {
        outcome.captured = true;
        outcome.facts_before = *restore;
    }
    run_then_finish(sink_, host, outcome, restore ? host_status::rollback_failed : host_status::failed, "", [&] {
        sink_.publish(started_event(host, batch));
        host_session session(book_, sink_, options_, make_transport_, probe_, host);
        host_progress recorded = progress;
        if (restore) {
            // A rollback run restores the source report's facts, whatever the
            // journal's capture said.
            recorded.facts_before = *restore;
            recorded.captured = true;
        }
        host_walk walk(session, book_, options_, sink_, host, outcome);
        walk.drive({.restore = restore != nullptr, .resumed = &recorded});
        outcome.connection = session.figures();
        if (!walk.note().empty())
            outcome.message = outcome.message.empty() ? walk.note() : walk.note() + "; " + outcome.message;
    });
    return outcome;
}

}  // namespace fleetmend
