#include "orchestrator/journal/resume_state.hpp"

#include <map>

namespace fleetmend {
namespace {

/// One host's progress through its latest attempt, as the journal shows it.
struct host_track {
    interrupted_host progress;
    std::optional<phase> open_step;  // started, no step_finished yet
    bool apply_started = false;
    bool last_apply_ok = false;
};

}  // namespace

std::expected<resume_state, std::string> plan_resume(const journal_contents& journal) {
    resume_state out;
    bool have_header = false;
    std::set<std::string> started;
    std::map<std::string, host_track> tracks;
    std::set<int> judged;  // batch_finished recorded
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
                    // A finished host starts again only for a rollback after its
                    // batch tripped the threshold: its outcome stands until then.
                    if (out.finished.count(e.host)) return;
                    // A host a resume restarted keeps what its earlier attempt
                    // recorded: the facts before and whether its apply ran.
                    started.insert(e.host);
                    tracks[e.host].open_step.reset();
                } else if constexpr (std::is_same_v<E, step_started>) {
                    if (out.finished.count(e.host)) return;
                    auto& t = tracks[e.host];
                    t.open_step = e.in_phase;
                    if (e.in_phase == phase::apply) t.apply_started = true;
                    if (e.in_phase == phase::verify || (e.in_phase == phase::capture && t.apply_started &&
                                                        t.last_apply_ok))
                        t.progress.applied = true;
                    if (e.in_phase == phase::rollback) t.progress.rolling_back = true;
                } else if constexpr (std::is_same_v<E, step_finished>) {
                    if (out.finished.count(e.host)) return;
                    auto& t = tracks[e.host];
                    t.open_step.reset();
                    if (e.step.in_phase == phase::apply) {
                        t.last_apply_ok = e.step.ok;
                        if (e.step.ok)
                            ++t.progress.apply_steps_ok;
                        else
                            t.progress.apply_failure = "apply '" + e.step.name + "' failed: " + e.step.message;
                    }
                } else if constexpr (std::is_same_v<E, facts_captured>) {
                    if (out.finished.count(e.host) || !e.before) return;
                    auto& t = tracks[e.host];
                    if (!t.progress.captured) {
                        t.progress.facts_before = e.facts;
                        t.progress.captured = true;
                    }
                } else if constexpr (std::is_same_v<E, host_finished>) {
                    // "skipped" is final only for a halted rollout, and a resume
                    // skips the rest of a halted rollout anyway: an interrupted
                    // run's skipped hosts simply have not run yet.
                    if (e.status == host_status::skipped) return;
                    out.finished.insert(e.host);
                    tracks.erase(e.host);
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
        for (const auto& name : out.header.batches[i]) {
            if (out.finished.count(name)) continue;
            batch.hosts.push_back(name);
            if (!started.count(name)) continue;
            out.recapture.push_back(name);
            auto& t = tracks[name];
            if (t.open_step == phase::apply) t.progress.apply_in_doubt = true;
            if (t.open_step == phase::apply || t.open_step == phase::rollback) out.change_in_doubt.insert(name);
            out.interrupted[name] = t.progress;
        }
        // An interrupted batch records batch_finished with hosts never started:
        // it is judged again once they ran.
        if (judged.count(batch.batch) && batch.hosts.empty()) out.batches_finished.insert(batch.batch);
        if (!batch.hosts.empty()) out.remaining.push_back(std::move(batch));
    }
    return out;
}

}  // namespace fleetmend
