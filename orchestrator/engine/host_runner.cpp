#include "orchestrator/engine/host_runner.hpp"

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

/// Closes the host's transport however the workflow ends.
struct transport_closer {
    void operator()(transport* t) const noexcept {
        if (!t) return;
        t->close();
        delete t;
    }
};
using owned_transport = std::unique_ptr<transport, transport_closer>;

/// One host's connection and the steps run over it. Lives for one workflow.
class host_session {
public:
    host_session(const playbook& book, event_sink& sink, const runner_options& options,
                 const transport_factory& make, const teredo_probe_function& probe,
                 const host_entry& host)
        : book_(book), sink_(sink), options_(options), make_(make), probe_(probe), host_(host) {}

    /// Connects; on failure fills `outcome` and returns false.
    bool connect(host_outcome& outcome, host_status status_on_failure) {
        std::unique_ptr<transport> made = make_ ? make_(host_.connection) : nullptr;
        if (!made) {
            outcome.status = status_on_failure;
            outcome.error = error_kind::config;
            outcome.message = "no transport can reach this host; check its transport setting";
            return false;
        }
        remote_.reset(made.release());
        auto connected = remote_->connect(clock_type::now() + host_.connection.connect_timeout);
        if (!connected) {
            outcome.status = status_on_failure;
            outcome.error = connected.error().kind;
            outcome.message = "connect: " + connected.error().message;
            return false;
        }
        return true;
    }

    /// Runs `steps` in order; stops at the first failure and describes it.
    bool run_steps(const std::vector<step>& steps, phase in_phase, const fact_map& facts,
                   host_outcome& outcome) {
        for (const step& s : steps) {
            const auto result = run_one(s, in_phase, facts);
            if (!result.record.ok) {
                outcome.error = result.record.error;
                outcome.message = std::string(to_string(in_phase)) + " '" + result.record.name +
                                  "' failed: " + result.record.message;
                last_failure_was_transport_ = result.transport_failed;
                return false;
            }
        }
        return true;
    }

    /// Runs every capture step; facts of earlier captures may fill later ones.
    std::optional<fact_map> capture(phase in_phase, host_outcome& outcome) {
        fact_map facts;
        for (const step& s : book_.capture) {
            auto result = run_one(s, in_phase, facts);
            if (!result.record.ok) {
                outcome.error = result.record.error;
                outcome.message = std::string(to_string(in_phase)) + " '" + result.record.name +
                                  "' failed: " + result.record.message;
                last_failure_was_transport_ = result.transport_failed;
                return std::nullopt;
            }
            facts.merge(result.facts);
        }
        return facts;
    }

    void publish_facts(bool before, const fact_map& facts) {
        sink_.publish(facts_captured{host_.name, before, facts});
    }

    /// Rollback steps with the facts before, then a capture that must give
    /// those facts back. Sets status rolled-back or rollback-failed.
    void roll_back(const fact_map& before, host_outcome& outcome) {
        const std::string cause = outcome.message;
        auto explain = [&cause](std::string what) {
            return cause.empty() ? what : cause + "; " + what;
        };
        if (book_.rollback.empty()) {
            outcome.status = host_status::rollback_failed;
            outcome.message = explain("the playbook has no rollback steps, so nothing was restored");
            return;
        }
        host_outcome rollback_result;
        if (!run_steps(book_.rollback, phase::rollback, before, rollback_result)) {
            outcome.status = host_status::rollback_failed;
            outcome.error = rollback_result.error;
            outcome.message = explain(rollback_result.message);
            return;
        }
        auto after = capture(phase::rollback_verify, rollback_result);
        if (!after) {
            outcome.status = host_status::rollback_failed;
            outcome.error = rollback_result.error;
            outcome.message = explain(rollback_result.message);
            return;
        }
        outcome.facts_after = *after;
        publish_facts(false, *after);
        const auto differences = fact_differences(before, *after);
        if (!differences.empty()) {
            outcome.status = host_status::rollback_failed;
            outcome.error.reset();
            outcome.message = explain("rollback did not restore the facts before: " +
                                      join(differences, ", "));
            return;
        }
        outcome.status = host_status::rolled_back;
        outcome.message = explain("rolled back to the facts before");
    }

    [[nodiscard]] bool last_failure_was_transport() const noexcept { return last_failure_was_transport_; }

private:
    step_outcome run_one(const step& s, phase in_phase, const fact_map& facts) {
        template_values values{facts, vars_for(book_, host_.vars), host_.name};
        const step_context context{host_, remote_.get(), probe_, book_.safe_fact_pattern, sink_,
                                   options_.excerpt_bytes, &recent_};
        return run_step(s, in_phase, values, context);
    }

    const playbook& book_;
    event_sink& sink_;
    const runner_options& options_;
    const transport_factory& make_;
    const teredo_probe_function& probe_;
    const host_entry& host_;
    owned_transport remote_;
    recent_outputs recent_;  // lets the capture after verify reuse the verify's identical reading
    bool last_failure_was_transport_ = false;
};

host_started started_event(const host_entry& host, int batch) {
    return {host.name, host.connection.address.empty() ? host.name : host.connection.address,
            host.connection.kind, batch, now_wall()};
}

void finish(event_sink& sink, const host_entry& host, const host_outcome& outcome) {
    sink.publish(host_finished{host.name, outcome.status, outcome.error, outcome.message, now_wall()});
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
    try {
        finish(sink, host, outcome);
    } catch (...) {
        // the sink reports its own failures; the outcome still goes back
    }
}

/// apply -> verify with its failure handling; the host is connected and
/// captured, and not compliant (or, resumed, its apply already ran: then
/// run_apply is false and only the verify judges it).
void apply_and_verify(host_session& session, const playbook& book, const runner_options& options,
                      host_outcome& outcome, bool run_apply = true) {
    outcome.apply_attempted = !book.apply.empty();
    const bool ok = (!run_apply || session.run_steps(book.apply, phase::apply, outcome.facts_before, outcome)) &&
                    session.run_steps(book.verify, phase::verify, outcome.facts_before, outcome);
    if (ok) {
        host_outcome after_capture;
        if (auto after = session.capture(phase::capture, after_capture)) {
            outcome.facts_after = *after;
            session.publish_facts(false, *after);
        } else {
            outcome.message = "changed, but capturing the facts after failed: " + after_capture.message;
        }
        outcome.status = host_status::changed;
        return;
    }
    outcome.status = host_status::failed;
    if (!outcome.apply_attempted) return;
    // Where the failed host stands now decides whether there is anything to
    // undo; a dead connection leaves that unknown, so rollback is tried.
    if (!session.last_failure_was_transport()) {
        host_outcome after_capture;
        if (auto after = session.capture(phase::capture, after_capture)) {
            outcome.facts_after = *after;
            session.publish_facts(false, *after);
            if (fact_differences(outcome.facts_before, *after).empty()) {
                outcome.message += "; the host still has its facts before, so nothing needs rolling back";
                return;
            }
        }
    }
    if (options.rollback_on_failure) session.roll_back(outcome.facts_before, outcome);
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

host_runner::host_runner(const playbook& book, event_sink& sink, runner_options options,
                         transport_factory make_transport, teredo_probe_function probe)
    : book_(book), sink_(sink), options_(options), make_transport_(std::move(make_transport)),
      probe_(std::move(probe)) {}

host_outcome host_runner::run(const host_entry& host, int batch) const noexcept {
    host_outcome outcome;
    run_then_finish(sink_, host, outcome, host_status::failed, "", [&] {
        sink_.publish(started_event(host, batch));
        host_session session(book_, sink_, options_, make_transport_, probe_, host);
        if (session.connect(outcome, host_status::unreachable)) {
            if (auto before = session.capture(phase::capture, outcome)) {
                outcome.captured = true;
                outcome.facts_before = *before;
                session.publish_facts(true, *before);
                const auto misses = compliance_misses(book_.compliant, *before);
                const bool compliant = !book_.compliant.empty() && misses.empty();
                if (compliant) {
                    outcome.status = host_status::unchanged;
                    outcome.facts_after = *before;
                    session.publish_facts(false, *before);
                } else if (options_.mode == run_mode::check) {
                    outcome.status = host_status::would_change;
                    outcome.facts_after = *before;
                    outcome.message = book_.compliant.empty() ? "the playbook has no compliant test; a run applies"
                                                              : "would change: " + join(misses, "; ");
                    session.publish_facts(false, *before);
                } else {
                    apply_and_verify(session, book_, options_, outcome);
                }
            } else {
                outcome.status = host_status::failed;
            }
        }
    });
    return outcome;
}

host_outcome host_runner::roll_back(const host_entry& host, const fact_map& facts_before,
                                    int batch) const noexcept {
    host_outcome outcome;
    outcome.captured = true;
    outcome.facts_before = facts_before;
    run_then_finish(sink_, host, outcome, host_status::rollback_failed, " during rollback", [&] {
        sink_.publish(started_event(host, batch));
        host_session session(book_, sink_, options_, make_transport_, probe_, host);
        if (session.connect(outcome, host_status::rollback_failed)) {
            outcome.apply_attempted = true;
            session.roll_back(facts_before, outcome);
        } else {
            outcome.message = "rollback could not " + outcome.message;
        }
    });
    return outcome;
}

host_outcome host_runner::resume(const host_entry& host, int batch, const interrupted_host& progress) const noexcept {
    // A rollback was under way (rollback-host): finishing it is the only safe
    // continuation; it is idempotent (it sets the facts before again).
    if (progress.rolling_back && progress.captured) {
        auto outcome = roll_back(host, progress.facts_before, batch);
        outcome.message = "resumed a rollback the interruption cut off: " + outcome.message;
        return outcome;
    }
    host_outcome outcome;
    run_then_finish(sink_, host, outcome, host_status::failed, "", [&] {
        sink_.publish(started_event(host, batch));
        host_session session(book_, sink_, options_, make_transport_, probe_, host);
        if (session.connect(outcome, host_status::unreachable)) {
            if (auto now = session.capture(phase::capture, outcome)) {
                outcome.captured = true;
                outcome.facts_before = progress.captured ? progress.facts_before : *now;
                if (!progress.captured) session.publish_facts(true, *now);
                const bool has_test = !book_.compliant.empty();
                const auto misses_now = compliance_misses(book_.compliant, *now);
                const bool compliant_now = has_test && misses_now.empty();
                const bool compliant_before =
                    has_test && compliance_misses(book_.compliant, outcome.facts_before).empty();
                if (options_.mode == run_mode::check) {
                    // Nothing was changed by a check: judge the host as it is now.
                    outcome.facts_before = *now;
                    outcome.facts_after = *now;
                    session.publish_facts(false, *now);
                    outcome.status = compliant_now ? host_status::unchanged : host_status::would_change;
                    if (!compliant_now)
                        outcome.message = has_test ? "would change: " + join(misses_now, "; ")
                                                   : "the playbook has no compliant test; a run applies";
                } else if (compliant_now && compliant_before) {
                    outcome.status = host_status::unchanged;
                    outcome.facts_after = *now;
                    session.publish_facts(false, *now);
                } else if (!progress.apply_failure.empty() && !compliant_now) {
                    // The apply failed before the interruption: that outcome
                    // stands; only what followed it (is there anything to undo?) is redone.
                    outcome.apply_attempted = true;
                    outcome.status = host_status::failed;
                    outcome.message = "resumed: " + progress.apply_failure;
                    outcome.facts_after = *now;
                    session.publish_facts(false, *now);
                    if (fact_differences(outcome.facts_before, *now).empty())
                        outcome.message += "; the host still has its facts before, so nothing needs rolling back";
                    else if (options_.rollback_on_failure)
                        session.roll_back(outcome.facts_before, outcome);
                } else if (compliant_now || progress.applied ||
                           (!book_.apply.empty() && progress.apply_steps_ok >= book_.apply.size())) {
                    // The change landed before the interruption (or its apply
                    // finished): never apply again, let the verify judge it.
                    apply_and_verify(session, book_, options_, outcome, /*run_apply=*/false);
                    const std::string note =
                        compliant_now ? "resumed: the apply had already taken effect, so it was not run again"
                                      : "resumed: the apply had finished before the interruption, so it was not run "
                                        "again";
                    outcome.message = outcome.message.empty() ? note : note + "; " + outcome.message;
                } else {
                    // Captured again and not compliant: the apply never took effect.
                    apply_and_verify(session, book_, options_, outcome);
                }
            } else {
                outcome.status = host_status::failed;
            }
        }
    });
    return outcome;
}

}  // namespace fleetmend
