#pragma once
/// One host's connection and the steps run over it, for one workflow of the
/// host runner (internal to the engine). It runs steps; which ones, and when,
/// is the lifecycle's business (host_runner.cpp).
#include "orchestrator/engine/host_runner.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace fleetmend {

/// Closes the host's transport however the workflow ends.
struct transport_closer {
    void operator()(transport* t) const noexcept {
        if (!t) return;
        t->close();
        delete t;
    }
};
using owned_transport = std::unique_ptr<transport, transport_closer>;

class host_session {
public:
    host_session(const playbook& book, event_sink& sink, const runner_options& options,
                 const transport_factory& make, const teredo_probe_function& probe, const host_entry& host)
        : book_(book), sink_(sink), options_(options), make_(make), probe_(probe), host_(host) {}

    /// Connects; on failure fills `outcome` (status, error, message) and returns false.
    bool connect(host_outcome& outcome, host_status status_on_failure);

    /// Runs `steps` from index `first` in order; stops at the first failure
    /// and describes it in `outcome` (error, message).
    bool run_steps(const std::vector<step>& steps, phase in_phase, const fact_map& facts, host_outcome& outcome,
                   std::size_t first = 0);

    /// Runs every capture step; facts of earlier captures may fill later ones.
    std::optional<fact_map> capture(phase in_phase, host_outcome& outcome);

    void publish_facts(bool before, const fact_map& facts) { sink_.publish(facts_captured{host_.name, before, facts}); }

    /// The facts before are on disk (a record after them was synced), so a
    /// rollback may restore them even when the journal fails later.
    void mark_facts_durable() noexcept { facts_durable_ = true; }
    [[nodiscard]] bool facts_durable() const noexcept { return facts_durable_; }

    [[nodiscard]] bool last_failure_was_transport() const noexcept { return last_failure_was_transport_; }
    /// The last failed step did not run: the sink stopped recording.
    [[nodiscard]] bool last_failure_was_refusal() const noexcept { return last_failure_was_refusal_; }
    /// A connect or a step ended cancelled (runner_options::cancel).
    [[nodiscard]] bool cut_off() const noexcept { return cut_off_; }

    /// Connections, logons and shells of every transport this session opened.
    [[nodiscard]] connection_figures figures() const noexcept;

private:
    step_outcome run_one(const step& s, phase in_phase, const fact_map& facts);

    const playbook& book_;
    event_sink& sink_;
    const runner_options& options_;
    const transport_factory& make_;
    const teredo_probe_function& probe_;
    const host_entry& host_;
    owned_transport remote_;
    // After remote_: unlinked before the transport is closed and freed.
    std::optional<std::stop_callback<std::function<void()>>> cancel_link_;
    connection_figures retired_;  // of the transports a reconnect replaced
    recent_outputs recent_;  // lets the capture after verify reuse the verify's identical reading
    bool last_failure_was_transport_ = false;
    bool last_failure_was_refusal_ = false;
    bool facts_durable_ = false;
    bool cut_off_ = false;
};

}  // namespace fleetmend
