#include "orchestrator/engine/host_session.hpp"

namespace fleetmend {

namespace {

connection_figures figures_of(const transport& t) noexcept {
    const auto stats = t.stats();
    return {stats.connections, stats.authentications, stats.shells};
}

}  // namespace

connection_figures host_session::figures() const noexcept {
    auto sum = retired_;
    if (remote_) sum += figures_of(*remote_);
    return sum;
}

bool host_session::connect(host_outcome& outcome, host_status status_on_failure) {
    std::unique_ptr<transport> made = make_ ? make_(host_.connection) : nullptr;
    if (!made) {
        outcome.status = status_on_failure;
        outcome.error = error_kind::config;
        outcome.message = "no transport can reach this host; check its transport setting";
        return false;
    }
    cancel_link_.reset();
    if (remote_) retired_ += figures_of(*remote_);
    remote_.reset(made.release());
    // A cancel from the signal thread reaches the transport however deep in
    // connect() or run() this thread is (runs at once if already requested).
    if (options_.cancel.stop_possible())
        cancel_link_.emplace(options_.cancel, std::function<void()>([t = remote_.get()] { t->cancel(); }));
    auto connected = remote_->connect(clock_type::now() + host_.connection.connect_timeout);
    if (!connected) {
        cut_off_ = connected.error().kind == error_kind::cancelled;
        outcome.status = status_on_failure;
        outcome.error = connected.error().kind;
        outcome.message = "connect: " + connected.error().message;
        return false;
    }
    return true;
}

bool host_session::run_steps(const std::vector<step>& steps, phase in_phase, const fact_map& facts,
                             host_outcome& outcome, std::size_t first) {
    for (std::size_t i = first; i < steps.size(); ++i) {
        const auto result = run_one(steps[i], in_phase, facts);
        if (!result.record.ok) {
            outcome.error = result.record.error;
            outcome.message = std::string(to_string(in_phase)) + " '" + result.record.name +
                              "' failed: " + result.record.message;
            last_failure_was_transport_ = result.transport_failed;
            last_failure_was_refusal_ = result.refused_unrecorded;
            cut_off_ = result.record.error == error_kind::cancelled;
            return false;
        }
    }
    return true;
}

std::optional<fact_map> host_session::capture(phase in_phase, host_outcome& outcome) {
    fact_map facts;
    for (const step& s : book_.capture) {
        auto result = run_one(s, in_phase, facts);
        if (!result.record.ok) {
            outcome.error = result.record.error;
            outcome.message = std::string(to_string(in_phase)) + " '" + result.record.name +
                              "' failed: " + result.record.message;
            last_failure_was_transport_ = result.transport_failed;
            cut_off_ = result.record.error == error_kind::cancelled;
            return std::nullopt;
        }
        facts.merge(result.facts);
    }
    return facts;
}

step_outcome host_session::run_one(const step& s, phase in_phase, const fact_map& facts) {
    template_values values{facts, vars_for(book_, host_.vars), host_.name};
    step_context context{host_, remote_.get(), probe_, book_.safe_fact_pattern, sink_,
                         options_.excerpt_bytes, &recent_};
    context.stop = options_.stop;
    context.facts_before_durable = facts_durable_;
    return run_step(s, in_phase, values, context);
}

}  // namespace fleetmend
