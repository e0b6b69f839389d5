#include "orchestrator/journal/resume_state.hpp"

#include <map>

namespace fleetmend {

std::expected<resume_state, std::string> plan_resume(const journal_contents& journal) {
    resume_state out;
    bool have_header = false;
    std::set<std::string> started;
    // the last step that started per host and whether it finished
    std::map<std::string, std::optional<phase>> open_step;
    for (const auto& event : journal.events) {
        std::visit(
            [&](const auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, run_started>) {
                    // a resumed run records run_started again; the first one is the plan
                    if (!have_header) out.header = e;
                    have_header = true;
                    out.run_was_finished = false;
                } else if constexpr (std::is_same_v<E, host_started>) {
                    started.insert(e.host);
                    out.finished.erase(e.host);
                    open_step.erase(e.host);
                } else if constexpr (std::is_same_v<E, step_started>) {
                    open_step[e.host] = e.in_phase;
                } else if constexpr (std::is_same_v<E, step_finished>) {
                    open_step[e.host].reset();
                } else if constexpr (std::is_same_v<E, host_finished>) {
                    out.finished.insert(e.host);
                    open_step.erase(e.host);
                } else if constexpr (std::is_same_v<E, batch_finished>) {
                    if (e.halted) {
                        out.halted = true;
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
        for (const auto& name : out.header.batches[i]) {
            if (out.finished.count(name)) continue;
            batch.hosts.push_back(name);
            if (!started.count(name)) continue;
            out.recapture.push_back(name);
            if (auto it = open_step.find(name); it != open_step.end() && it->second &&
                                                (*it->second == phase::apply || *it->second == phase::rollback))
                out.change_in_doubt.insert(name);
        }
        if (!batch.hosts.empty()) out.remaining.push_back(std::move(batch));
    }
    return out;
}

}  // namespace fleetmend
