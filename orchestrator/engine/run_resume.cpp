#include "orchestrator/engine/run_resume.hpp"

#include <algorithm>

namespace fleetmend {

resume_input prepare_resume(const resume_state& state) {
    resume_input input;
    const run_report report = build_report(state.events);
    for (const auto& name : state.finished) {
        const host_report* h = report.find(name);
        if (!h) continue;
        host_outcome outcome;
        outcome.status = h->status;
        outcome.error = h->error;
        outcome.message = h->message;
        outcome.facts_before = h->facts_before;
        outcome.facts_after = h->facts_after;
        outcome.captured = !h->facts_before.empty();
        outcome.apply_attempted = std::any_of(h->steps.begin(), h->steps.end(),
                                              [](const step_record& s) { return s.in_phase == phase::apply; });
        input.finished.emplace(name, std::move(outcome));
    }
    input.interrupted = state.interrupted;
    input.batches_finished = state.batches_finished;
    input.halted = state.halted;
    input.halted_batch = state.halted_batch;
    input.halt_reason = state.halt_reason;
    return input;
}

std::expected<planned_rollout, std::string> plan_from_journal(const run_started& header, const inventory& inv) {
    planned_rollout plan;
    std::string missing;
    std::size_t missing_count = 0;
    for (const auto& names : header.batches) {
        auto& batch = plan.batches.emplace_back();
        for (const auto& name : names) {
            if (const host_entry* host = inv.find(name)) {
                batch.push_back(host);
                ++plan.host_count;
            } else if (++missing_count <= 5) {
                missing += (missing.empty() ? "" : ", ") + name;
            }
        }
    }
    if (missing_count > 0)
        return std::unexpected(std::to_string(missing_count) + " host" + (missing_count == 1 ? "" : "s") +
                               " of the run's plan " + (missing_count == 1 ? "is" : "are") +
                               " not in the inventory " + inv.path + " (" + missing +
                               (missing_count > 5 ? ", ..." : "") +
                               "); resume with the inventory the run used (-i)");
    return plan;
}

std::string resume_command(const std::string& journal_path) {
    const bool plain = !journal_path.empty() && std::all_of(journal_path.begin(), journal_path.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/._-+:@%,").find(c) != std::string_view::npos;
    });
    if (plain) return "fleetmend resume " + journal_path;
    std::string quoted = "'";
    for (char c : journal_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return "fleetmend resume " + quoted + "'";
}

}  // namespace fleetmend
