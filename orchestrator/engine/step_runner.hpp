#pragma once
/// Runs one playbook step on one host (all its attempts) and says whether its
/// expectation held. Knows steps and expectations, not protocols: the remote
/// side is a `transport`, the network check an injected probe function.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/recent_outputs.hpp"
#include "orchestrator/report/events.hpp"
#include "transports/probe/teredo_probe.hpp"
#include "transports/transport.hpp"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace fleetmend {

/// Builds the (unconnected) transport for one host. Default: make_transport.
using transport_factory = std::function<std::unique_ptr<transport>(const connection_settings&)>;
/// Sends the Teredo probe to a host's address. Default: probe_teredo with its
/// default options.
using teredo_probe_function =
    std::function<std::expected<teredo_probe_result, transport_error>(const std::string& address)>;

[[nodiscard]] transport_factory default_transport_factory();
[[nodiscard]] teredo_probe_function default_teredo_probe();

/// How much of each output stream a step record keeps (totals record the rest).
inline constexpr std::size_t default_excerpt_bytes = 4096;

/// The result of one step after all its attempts.
struct step_outcome {
    step_record record;
    fact_map facts;  // capture steps: the facts its stdout gave
    /// The last attempt failed in the transport (not an expectation miss):
    /// the connection may be gone, so later steps are not worth trying.
    bool transport_failed = false;
    /// Not run: it would change the host and the sink stopped recording.
    bool refused_unrecorded = false;
};

/// Everything one step needs from the host it runs on.
struct step_context {
    const host_entry& host;
    transport* remote = nullptr;  // connected; unused by probe steps
    const teredo_probe_function& probe;
    const pattern& safe_fact;
    event_sink& sink;
    std::size_t excerpt_bytes = default_excerpt_bytes;
    /// This host's recent read outputs (may be null: every step then runs).
    /// Capture and verify steps add to it, apply and rollback steps clear it,
    /// and a capture step whose command is in it takes that output instead of
    /// running (its record then names the step in `reused_from`).
    recent_outputs* recent = nullptr;
    /// Set when the run is asked to stop: a retry delay ends early and the
    /// step makes one last attempt (may be null).
    const std::atomic<bool>* stop = nullptr;
    /// The host's facts before are on disk: a rollback step may run even
    /// when the journal can no longer record (host_lifecycle.hpp).
    bool facts_before_durable = false;
};

/// Renders the step's command with `values`, emits step_started before the
/// remote action and step_finished after, retries as the step asks. A
/// template error (unknown name, unsafe fact) fails the step without running
/// anything. The step's hint, rendered, is appended to a failure message.
/// A step that changes the host runs only while the sink records (its
/// step_started is durable first); otherwise it fails without running.
/// Never throws.
[[nodiscard]] step_outcome run_step(const step& s, phase in_phase, const template_values& values,
                                    const step_context& context) noexcept;

/// Why an exec result misses an expectation; empty when it holds. With no
/// expectation at all a step must exit 0; with only stdout/stderr patterns
/// the exit code is not judged (netsh exit codes vary between versions).
[[nodiscard]] std::string expectation_miss(const expectation& expect, const exec_result& result);

/// At most `limit` bytes of `text`, not cutting a UTF-8 sequence in two.
[[nodiscard]] std::string bounded_excerpt(const std::string& text, std::size_t limit);

}  // namespace fleetmend
