#include "orchestrator/journal/resume_state.hpp"

namespace fleetmend {

bool resume_state::finished(const std::string& host) const {
    const auto found = hosts.find(host);
    return found != hosts.end() && found->second.finished;
}

std::vector<std::string> resume_state::interrupted() const {
    std::vector<std::string> names;
    for (const auto& batch : remaining)
        for (const auto& name : batch.hosts)
            if (const auto found = hosts.find(name); found != hosts.end() && found->second.started)
                names.push_back(name);
    return names;
}

std::set<std::string> resume_state::change_in_doubt() const {
    std::set<std::string> names;
    for (const auto& name : interrupted()) {
        const auto& p = hosts.at(name);
        const bool open_change = p.open_step == phase::apply || p.open_step == phase::rollback;
        if (open_change || (phase_changes_host(p.recorded_phase) && p.step_failure.empty())) names.insert(name);
    }
    return names;
}

std::expected<resume_state, std::string> plan_resume(const journal_contents& journal) {
    resume_state out;
    bool have_header = false;
    std::set<int> judged;  // batch_finished recorded
    for (const auto& event : journal.events) {
        if (const auto host = event_host(event); !host.empty()) {
            fold_progress(out.hosts[std::string(host)], event);
            continue;
        }
        std::visit(
            [&](const auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, run_started>) {
                    // a resumed run records run_started again; the first one is the plan
                    if (!have_header) out.header = e;
                    have_header = true;
                    out.run_was_finished = false;
                } else if constexpr (std::is_same_v<E, batch_finished>) {
                    judged.insert(e.batch);
                    if (e.halted) {
                        out.halted = true;
                        out.halted_batch = e.batch;
                        out.halt_reason = e.reason;
                    }
                } else if constexpr (std::is_same_v<E, run_finished>) {
                    out.run_was_finished = !e.interrupted;
                }
            },
            event);
    }
    if (!have_header)
        return std::unexpected("the journal has no run_started record: it is not a fleetmend journal, or the run "
                               "died before it began (nothing was done; start a new run)");
    out.events = journal.events;

    for (std::size_t i = 0; i < out.header.batches.size(); ++i) {
        remaining_batch batch{static_cast<int>(i) + 1, {}};
        for (const auto& name : out.header.batches[i])
            if (!out.finished(name)) batch.hosts.push_back(name);
        // An interrupted batch records batch_finished with hosts never started:
        // it is judged again once they ran.
        if (judged.count(batch.batch) && batch.hosts.empty()) out.batches_finished.insert(batch.batch);
        if (!batch.hosts.empty()) out.remaining.push_back(std::move(batch));
    }
    return out;
}

}  // namespace fleetmend
