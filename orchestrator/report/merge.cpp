#include "orchestrator/report/merge.hpp"

#include <algorithm>
#include <map>

namespace fleetmend {
namespace {

/// Whether candidate is a later result than current.
bool later(const host_report& candidate, const host_report& current) {
    if (candidate.finished != current.finished) return candidate.finished;
    if (candidate.ended && current.ended && *candidate.ended != *current.ended) return *candidate.ended > *current.ended;
    if (candidate.ended.has_value() != current.ended.has_value()) return candidate.ended.has_value();
    return true;  // same time or none: the later input wins
}

}  // namespace

run_report merge_reports(const std::vector<merge_input>& inputs, const std::string& run_id) {
    run_report out;
    out.run_id = run_id;
    out.complete = true;
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& in = inputs[i].report;
        if (i == 0) {
            out.mode = in.mode;
            out.tool_version = in.tool_version;
            out.playbook = in.playbook;
            out.inventory = in.inventory;
            out.source_report = in.source_report;
            out.rollout = in.rollout;
        }
        if (in.started && (!out.started || *in.started < *out.started)) out.started = in.started;
        if (in.finished && (!out.finished || *in.finished > *out.finished)) out.finished = in.finished;
        out.complete = out.complete && in.complete;
        out.interrupted = out.interrupted || in.interrupted;
        out.sources.push_back({in.run_id, inputs[i].path, in.shard, in.approval});
        if (in.preflight) {
            if (!out.preflight) out.preflight.emplace();
            out.preflight->hosts += in.preflight->hosts;
            out.preflight->took += in.preflight->took;
            out.preflight->failed.insert(out.preflight->failed.end(), in.preflight->failed.begin(),
                                         in.preflight->failed.end());
        }

        for (auto b : in.batches) {
            if (b.run_id.empty()) b.run_id = in.run_id;
            out.batches.push_back(std::move(b));
        }
        for (auto h : in.hosts) {
            if (h.run_id.empty()) h.run_id = in.run_id;
            auto [it, inserted] = index.try_emplace(h.name, out.hosts.size());
            if (inserted) out.hosts.push_back(std::move(h));
            else if (later(h, out.hosts[it->second])) out.hosts[it->second] = std::move(h);
        }
    }
    if (inputs.empty()) out.complete = false;
    if (!scans_differ(inputs)) {
        for (const auto& input : inputs) {
            const auto& scan = input.report.scan;
            if (!scan) continue;
            if (!out.scan) {
                out.scan = scan;
                continue;
            }
            out.scan->scan_hosts = std::max(out.scan->scan_hosts, scan->scan_hosts);
            for (const auto& [host, findings] : scan->findings) out.scan->findings.try_emplace(host, findings);
            for (const auto& unmatched : scan->unmatched)
                if (std::ranges::find(out.scan->unmatched, unmatched) == out.scan->unmatched.end())
                    out.scan->unmatched.push_back(unmatched);
        }
    }
    out.recount();
    return out;
}

bool scans_differ(const std::vector<merge_input>& inputs) {
    const scan_source* first = nullptr;
    for (const auto& input : inputs) {
        const auto& scan = input.report.scan;
        if (!scan) continue;
        if (!first) first = &*scan;
        else if (scan->sha256 != first->sha256 || scan->wanted != first->wanted) return true;
    }
    return false;
}

}  // namespace fleetmend
