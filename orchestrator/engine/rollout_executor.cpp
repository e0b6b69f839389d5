#include "orchestrator/engine/rollout_executor.hpp"

#include "orchestrator/engine/open_files.hpp"

#include "orchestrator/engine/rollout_plan.hpp"

#include <algorithm>
#include <thread>

namespace fleetmend {
namespace {

wall_time now_wall() { return std::chrono::system_clock::now(); }

runner_options runner_options_for(const rollout_options& options) {
    runner_options result;
    // An audit runs its hosts as a check does; only the verdict differs.
    result.mode = options.mode == run_mode::audit ? run_mode::check : options.mode;
    result.rollback_on_failure = options.mode == run_mode::apply &&
                                 options.settings.on_failure == failure_policy::rollback_host;
    result.excerpt_bytes = options.excerpt_bytes;
    result.stop = options.stop;
    result.cancel = options.cancel;
    return result;
}

std::string percent_text(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text + "%";
}

}  // namespace

std::size_t rollout_result::count(host_status status) const noexcept {
    return static_cast<std::size_t>(std::count_if(
        hosts.begin(), hosts.end(), [status](const host_result& h) { return h.outcome.status == status; }));
}

std::size_t rollout_result::cut_off() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(hosts.begin(), hosts.end(), [](const host_result& h) { return h.outcome.cut_off; }));
}

run_verdict verdict_of(const rollout_result& result) noexcept {
    if (!result.journal_error.empty()) return run_verdict::journal_failed;
    if (result.window_closed) return run_verdict::window_closed;
    if (result.interrupted) return run_verdict::interrupted;
    if (result.halted) return run_verdict::halted;
    bool unreachable = false;
    for (const auto& h : result.hosts) {
        switch (h.outcome.status) {
            case host_status::failed:
            case host_status::rollback_failed:
                return run_verdict::host_failures;
            case host_status::rolled_back:
                // in a rollback run restoring is the goal; elsewhere it means a host failed
                if (result.mode != run_mode::rollback) return run_verdict::host_failures;
                break;
            case host_status::unreachable:
                unreachable = true;
                break;
            default:
                break;
        }
    }
    return unreachable ? run_verdict::unreachable_only : run_verdict::success;
}

bool counts_as_failure(host_status status, run_mode mode) noexcept {
    switch (status) {
        case host_status::failed:
        case host_status::unreachable:
        case host_status::rollback_failed:
            return true;
        case host_status::rolled_back:
            return mode != run_mode::rollback;
        default:
            return false;
    }
}

bool needs_rollback(const host_outcome& outcome) noexcept {
    if (!outcome.captured) return false;
    if (outcome.status == host_status::changed) return true;
    if (outcome.status != host_status::failed || !outcome.apply_attempted) return false;
    // Facts after that equal the facts before: the failure changed nothing.
    return outcome.facts_after.empty() || !fact_differences(outcome.facts_before, outcome.facts_after).empty();
}

rollout_executor::rollout_executor(const playbook& book, event_sink& sink, rollout_options options,
                                   transport_factory make_transport, teredo_probe_function probe)
    : book_(book), sink_(sink), options_(std::move(options)),
      runner_(book, sink, runner_options_for(options_), std::move(make_transport), std::move(probe)) {}

bool rollout_executor::stopping() const noexcept {
    return (options_.stop && options_.stop->load(std::memory_order_relaxed)) || !sink_.record_health() ||
           window_closed();
}

bool rollout_executor::window_closed() const noexcept {
    if (window_closed_.load(std::memory_order_relaxed)) return true;
    if (!options_.window_open) return false;
    try {
        if (options_.window_open()) return false;
    } catch (...) {
        // a window that cannot be judged is not open
    }
    window_closed_.store(true, std::memory_order_relaxed);
    return true;
}

rollout_result rollout_executor::run(const std::vector<std::vector<const host_entry*>>& batches,
                                     run_started header) {
    return execute(batches, std::move(header),
                   [this](const host_entry& host, int batch) { return runner_.run(host, batch); });
}

rollout_result rollout_executor::restore(const std::vector<std::vector<const host_entry*>>& batches,
                                         const std::map<std::string, fact_map>& facts_before,
                                         run_started header) {
    return execute(batches, std::move(header), [this, &facts_before](const host_entry& host, int batch) {
        return restore_one(host, batch, facts_before);
    });
}

host_outcome rollout_executor::restore_one(const host_entry& host, int batch,
                                           const std::map<std::string, fact_map>& facts_before) {
    const auto found = facts_before.find(host.name);
    if (found != facts_before.end()) {
        const fact_map* expected = nullptr;
        if (options_.restore_expected)
            if (const auto now = options_.restore_expected->find(host.name); now != options_.restore_expected->end())
                expected = &now->second;
        return runner_.roll_back(host, found->second, batch, expected);
    }
    host_outcome outcome;
    outcome.status = host_status::rollback_failed;
    outcome.message = "the source report holds no facts before for this host, so there is "
                      "nothing to restore";
    sink_.publish(host_started{host.name, host.connection.address, host.connection.kind, batch, now_wall()});
    sink_.publish(host_finished{host.name, outcome.status, std::nullopt, outcome.message, now_wall()});
    return outcome;
}

rollout_result rollout_executor::resume(const std::vector<std::vector<const host_entry*>>& batches,
                                        const resume_state& before, run_started header,
                                        const std::map<std::string, fact_map>* facts_before) {
    return execute(batches, std::move(header), [this, &before, facts_before](const host_entry& host, int batch) {
        const auto found = before.hosts.find(host.name);
        const bool cut_off = found != before.hosts.end() && found->second.started;
        if (facts_before) {
            const auto restore = facts_before->find(host.name);
            if (cut_off && restore != facts_before->end())
                return runner_.resume(host, batch, found->second, &restore->second);
            return restore_one(host, batch, *facts_before);
        }
        if (cut_off) return runner_.resume(host, batch, found->second);
        return runner_.run(host, batch);
    }, &before);
}

void rollout_executor::run_pool(std::vector<host_result*>& hosts, const slot_work& work,
                                bool honour_stop) {
    if (hosts.empty()) return;
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (;;) {
            const std::size_t index = next.fetch_add(1);
            if (index >= hosts.size()) return;
            // Checked before each host: a signal stops new hosts, never one in flight.
            if (honour_stop && stopping()) continue;
            host_result& slot = *hosts[index];
            slot.outcome = work(slot);
            slot.attempted = true;
        }
    };
    // Never more in flight than the open-files limit holds (open_files.hpp):
    // past it, hosts would fail with "Too many open files" instead of waiting.
    const unsigned cap = options_.in_flight ? options_.in_flight : hosts_in_flight(options_.settings.concurrency);
    const std::size_t workers = std::min<std::size_t>(hosts.size(), cap);
    std::vector<std::jthread> pool;
    pool.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) pool.emplace_back(worker);
}

void rollout_executor::roll_back_after_trip(rollout_result& result, int batch) {
    const auto policy = options_.settings.on_failure;
    if (options_.mode != run_mode::apply) return;
    if (policy != failure_policy::rollback_batch && policy != failure_policy::rollback_all) return;
    const int oldest = policy == failure_policy::rollback_batch ? batch : 1;
    // Newest batch first: the last change made is the first one undone.
    for (int b = batch; b >= oldest; --b) {
        std::vector<host_result*> chosen;
        for (auto& h : result.hosts)
            if (h.batch == b && h.attempted && needs_rollback(h.outcome)) chosen.push_back(&h);
        // A signal does not stop a rollback: half-restored batches are worse.
        run_pool(chosen, [this](const host_result& slot) {
            host_outcome restored = runner_.roll_back(*slot.host, slot.outcome.facts_before, slot.batch);
            if (slot.outcome.status == host_status::failed)
                restored.message = slot.outcome.message + "; " + restored.message;
            return restored;
        }, false);
    }
}

rollout_result rollout_executor::execute(const std::vector<std::vector<const host_entry*>>& batches,
                                         run_started header, const host_work& work, const resume_state* before) {
    rollout_result result;
    result.mode = options_.mode;
    header.mode = options_.mode;
    header.rollout = options_.settings;
    header.batches.clear();
    for (std::size_t b = 0; b < batches.size(); ++b) {
        std::vector<std::string> names;
        for (const host_entry* host : batches[b]) {
            names.push_back(host->name);
            result.hosts.push_back({host, static_cast<int>(b + 1), {}, false});
        }
        header.batches.push_back(std::move(names));
    }
    header.at = now_wall();
    sink_.publish(header);
    if (before) {
        // Resumed: what the journal says is done stays done.
        for (auto& h : result.hosts) {
            const auto found = before->hosts.find(h.host->name);
            if (found == before->hosts.end() || !found->second.finished) continue;
            const host_progress& p = found->second;
            h.outcome.status = p.status;
            h.outcome.error = p.error;
            h.outcome.message = p.message;
            h.outcome.facts_before = p.facts_before;
            h.outcome.facts_after = p.facts_after;
            h.outcome.captured = p.captured;
            h.outcome.apply_attempted = p.host_may_differ;
            h.attempted = true;
        }
        if (before->halted) {
            result.halted = true;
            result.halted_batch = before->halted_batch;
            result.halt_reason = before->halt_reason;
        }
    }

    std::size_t first_of_batch = 0;
    for (std::size_t b = 0; b < batches.size(); ++b) {
        const int batch = static_cast<int>(b + 1);
        std::vector<host_result*> members;
        for (std::size_t i = 0; i < batches[b].size(); ++i) members.push_back(&result.hosts[first_of_batch + i]);
        first_of_batch += batches[b].size();

        if (result.halted || stopping()) break;
        if (before && before->batches_finished.count(batch)) continue;  // judged before the interruption
        if (options_.confirm_batch && !options_.confirm_batch(batch, members.size())) {
            result.halted = true;
            result.halted_batch = batch;
            result.halt_reason = "stopped at the --step prompt before batch " + std::to_string(batch);
            break;
        }
        sink_.publish(batch_started{batch, now_wall()});
        std::vector<host_result*> to_run;
        for (auto* h : members)
            if (!h->attempted) to_run.push_back(h);
        run_pool(to_run, [&work](const host_result& slot) { return work(*slot.host, slot.batch); }, true);

        std::size_t failures = 0;
        int unreachable = 0;
        for (const auto* h : members) {
            if (!h->attempted || !counts_as_failure(h->outcome.status, options_.mode)) continue;
            ++failures;
            if (h->outcome.status == host_status::unreachable) ++unreachable;
        }
        batch_finished finished{batch, static_cast<int>(failures), false, {}, {}, unreachable};
        if (exceeds_fail_threshold(failures, members.size(), options_.settings.max_fail_percentage)) {
            result.halted = true;
            result.halted_batch = batch;
            result.halt_reason = std::to_string(failures) + " of " + std::to_string(members.size()) +
                                 " hosts failed in batch " + std::to_string(batch) + ", more than the " +
                                 percent_text(options_.settings.max_fail_percentage) + " allowed";
            roll_back_after_trip(result, batch);
            finished.halted = true;
            finished.reason = result.halt_reason;
        } else if (window_closed()) {
            finished.reason = "the maintenance window closed: hosts not started are skipped";
        } else if (stopping()) {
            finished.reason = "interrupted: hosts not started are skipped";
        }
        finished.at = now_wall();
        sink_.publish(finished);

        const bool last = b + 1 == batches.size();
        if (!last && !result.halted && options_.settings.pause_between_batches.count() > 0) {
            const auto until = clock_type::now() + options_.settings.pause_between_batches;
            while (clock_type::now() < until && !stopping())
                std::this_thread::sleep_for(std::min<clock_type::duration>(
                    std::chrono::milliseconds(100), until - clock_type::now()));
        }
    }

    if (auto health = sink_.record_health(); !health) result.journal_error = health.error();
    result.interrupted = stopping() && !result.halted;
    result.window_closed = result.interrupted && window_closed();
    const std::string skip_reason =
        !result.journal_error.empty() ? "skipped: the journal stopped recording before this host started ("
                                            + result.journal_error + ")"
        : result.halted               ? "skipped: the rollout halted (" + result.halt_reason + ")"
        : result.window_closed        ? "skipped: the maintenance window closed before this host started"
                                      : "skipped: the run was interrupted before this host started";
    for (auto& h : result.hosts) {
        if (h.attempted) continue;
        h.outcome.status = host_status::skipped;
        h.outcome.message = skip_reason;
        sink_.publish(host_finished{h.host->name, host_status::skipped, std::nullopt, skip_reason, now_wall()});
    }
    sink_.publish(run_finished{result.interrupted, now_wall()});
    return result;
}

}  // namespace fleetmend
