#include "orchestrator/report/report.hpp"

#include <algorithm>

namespace fleetmend {

std::string status_word(const host_report& host) {
    if (host.finished) return to_string(host.status);
    return host.started ? "unfinished" : "skipped";
}

bool findings_closed(const host_report& host, run_mode mode) {
    if (mode == run_mode::rollback || !host.finished) return false;
    return host.status == host_status::changed || host.status == host_status::unchanged;
}

const host_report* run_report::find(const std::string& name) const {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const host_report& h) { return h.name == name; });
    return it == hosts.end() ? nullptr : &*it;
}

namespace {
bool counts_as_failure(const host_report& h) {
    return h.finished && (h.status == host_status::failed || h.status == host_status::unreachable ||
                          h.status == host_status::rollback_failed);
}
}  // namespace

void run_report::recount() {
    summary.clear();
    for (auto s : {host_status::changed, host_status::unchanged, host_status::would_change, host_status::failed,
                   host_status::rolled_back, host_status::rollback_failed, host_status::unreachable,
                   host_status::skipped})
        summary[to_string(s)] = 0;
    summary["unfinished"] = 0;
    for (const auto& h : hosts) ++summary[status_word(h)];
    summary["total"] = static_cast<int>(hosts.size());

    // A batch that never finished has no failures figure from the engine: count them.
    for (auto& b : batches) {
        if (b.finished) continue;
        b.failures = 0;
        for (const auto& h : hosts)
            if (h.batch == b.batch && (b.run_id.empty() || b.run_id == h.run_id) && counts_as_failure(h)) ++b.failures;
    }
}

host_report& report_builder::host(const std::string& name) {
    auto [it, inserted] = index_.try_emplace(name, report_.hosts.size());
    if (inserted) report_.hosts.push_back(host_report{.name = name});
    return report_.hosts[it->second];
}

batch_report& report_builder::batch(int number) {
    auto it = std::find_if(report_.batches.begin(), report_.batches.end(),
                           [&](const batch_report& b) { return b.batch == number; });
    if (it != report_.batches.end()) return *it;
    report_.batches.push_back(batch_report{.batch = number});
    std::sort(report_.batches.begin(), report_.batches.end(),
              [](const batch_report& a, const batch_report& b) { return a.batch < b.batch; });
    return batch(number);
}

void report_builder::on_event(const run_event& event) {
    std::lock_guard lock(snapshot_mutex_);
    std::visit(
        [this](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, run_started>) {
                report_.run_id = e.run_id;
                report_.mode = e.mode;
                report_.tool_version = e.tool_version;
                report_.playbook = {e.playbook_path, e.playbook_sha256};
                report_.inventory = {e.inventory_path, e.inventory_sha256};
                report_.source_report = e.source_report;
                if (!e.forced.empty()) report_.forced = e.forced;
                report_.shard = e.shard;
                report_.rollout = e.rollout;
                if (e.scan) report_.scan = e.scan;
                if (e.approval) report_.approval = e.approval;
                if (e.preflight) report_.preflight = e.preflight;
                // A resumed run publishes run_started again: the first start time stays.
                if (!report_.started) report_.started = e.at;
                report_.complete = false;
                report_.interrupted = false;
                report_.finished.reset();
                for (std::size_t i = 0; i < e.batches.size(); ++i) {
                    const int number = static_cast<int>(i) + 1;
                    batch(number).hosts = e.batches[i];
                    for (const auto& name : e.batches[i]) host(name).batch = number;
                }
            } else if constexpr (std::is_same_v<E, batch_started>) {
                auto& b = batch(e.batch);
                if (!b.started) b.started = e.at;
            } else if constexpr (std::is_same_v<E, host_started>) {
                auto& h = host(e.host);
                // A host's batch always lists it (run_started's plan or the push
                // below), so only a move to another batch needs the scan: one
                // scan per host over a 10,000-host batch was quadratic.
                if (h.batch != e.batch) {
                    auto& b = batch(e.batch);
                    if (std::find(b.hosts.begin(), b.hosts.end(), e.host) == b.hosts.end()) b.hosts.push_back(e.host);
                }
                h.address = e.address;
                h.transport = e.transport;
                h.batch = e.batch;
                if (!h.started) h.started = e.at;
                h.finished = false;
                h.ended.reset();
                h.in_flight.reset();
            } else if constexpr (std::is_same_v<E, host_transition>) {
                host(e.host).lifecycle_phase = e.to;
            } else if constexpr (std::is_same_v<E, step_started>) {
                host(e.host).in_flight = unfinished_step{e.in_phase, e.name, e.at};
            } else if constexpr (std::is_same_v<E, step_finished>) {
                auto& h = host(e.host);
                h.steps.push_back(e.step);
                h.in_flight.reset();
            } else if constexpr (std::is_same_v<E, facts_captured>) {
                auto& h = host(e.host);
                // The first capture is the state before any change: a resumed
                // host is captured again after its apply may have run.
                if (e.before) {
                    if (h.facts_before.empty()) h.facts_before = e.facts;
                } else {
                    h.facts_after = e.facts;
                }
            } else if constexpr (std::is_same_v<E, host_finished>) {
                auto& h = host(e.host);
                h.status = e.status;
                h.finished = true;
                h.error = e.error;
                h.message = e.message;
                h.ended = e.at;
                h.connection = e.connection;
                h.in_flight.reset();
            } else if constexpr (std::is_same_v<E, batch_finished>) {
                auto& b = batch(e.batch);
                b.failures = e.failures;
                b.halted = e.halted;
                b.reason = e.reason;
                b.finished = e.at;
            } else if constexpr (std::is_same_v<E, run_finished>) {
                report_.complete = true;
                report_.interrupted = e.interrupted;
                report_.finished = e.at;
            }
        },
        event);
}

run_report report_builder::snapshot() {
    std::lock_guard lock(snapshot_mutex_);
    run_report copy = report_;
    copy.recount();
    return copy;
}

run_report build_report(const std::vector<run_event>& events) {
    report_builder builder;
    for (const auto& e : events) builder.publish(e);
    return builder.snapshot();
}

}  // namespace fleetmend
