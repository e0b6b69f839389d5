#include "orchestrator/report/render.hpp"

#include <cstdio>
#include <set>

namespace fleetmend {

std::vector<fact_change> fact_changes(const host_report& host) {
    std::vector<fact_change> out;
    if (host.facts_after.empty()) {
        if (host.finished && (host.status == host_status::changed || host.status == host_status::would_change))
            for (const auto& [name, value] : host.facts_before) out.push_back({name, value, "?"});
        return out;
    }
    std::set<std::string> names;
    for (const auto& [name, value] : host.facts_before) names.insert(name);
    for (const auto& [name, value] : host.facts_after) names.insert(name);
    for (const auto& name : names) {
        auto b = host.facts_before.find(name);
        auto a = host.facts_after.find(name);
        const std::string before = b == host.facts_before.end() ? "(none)" : b->second;
        const std::string after = a == host.facts_after.end() ? "(none)" : a->second;
        if (before != after) out.push_back({name, before, after});
    }
    return out;
}

std::string changes_text(const host_report& host) {
    std::string out;
    for (const auto& c : fact_changes(host)) {
        if (!out.empty()) out += "; ";
        out += c.name + ": " + c.before + " -> " + c.after;
    }
    return out;
}

std::string restored_text(const host_report& host) {
    std::string out;
    for (const auto& [name, value] : host.facts_after) out += (out.empty() ? "" : "; ") + name + " = " + value;
    return out;
}

bool is_failure(const host_report& host, run_mode mode) {
    if (!host.finished) return host.started.has_value();
    // rolled-back in a run that applied: the change did not hold and was
    // undone, so the host still needs attention
    if (host.status == host_status::rolled_back) return mode != run_mode::rollback;
    return host.status == host_status::failed || host.status == host_status::unreachable ||
           host.status == host_status::rollback_failed;
}

bool is_change(const host_report& host, run_mode mode) {
    if (!host.finished) return false;
    if (host.status == host_status::rolled_back) return mode == run_mode::rollback;
    return host.status == host_status::changed || host.status == host_status::would_change;
}

const step_record* failed_step(const host_report& host) {
    for (auto it = host.steps.rbegin(); it != host.steps.rend(); ++it)
        if (!it->ok) return &*it;
    return nullptr;
}

std::string_view cut_off_output(const step_record& step) {
    return step.error ? std::string_view(step.stdout_excerpt) : std::string_view();
}

std::vector<std::string> last_lines_of(std::string_view text, std::size_t wanted) {
    std::vector<std::string> lines;
    std::size_t end = text.size();
    while (end > 0 && lines.size() < wanted) {
        const auto newline = text.rfind('\n', end - 1);
        const std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
        auto line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (!line.empty()) lines.insert(lines.begin(), std::string(line));
        if (newline == std::string_view::npos) break;
        end = newline;
    }
    return lines;
}

std::vector<std::string> failure_evidence(const step_record& step, std::size_t lines) {
    if (step.ok) return {};
    auto found = last_lines_of(step.stderr_excerpt, lines);
    if (found.empty()) found = last_lines_of(step.stdout_excerpt, lines);
    return found;
}

std::string failure_message(const host_report& host) {
    std::string out = host.message;
    const auto* step = failed_step(host);
    if (!step) return out;
    std::string evidence;
    for (const auto& line : failure_evidence(*step)) {
        if (out.find(line) != std::string::npos) continue;  // the message quotes it already
        evidence += (evidence.empty() ? "" : " | ") + line;
    }
    if (evidence.empty()) return out;
    return out.empty() ? evidence : out + " — " + evidence;
}

int run_exit_status(const run_report& report) {
    if (report.interrupted || !report.complete) return 5;
    for (const auto& b : report.batches)
        if (b.halted) return 4;
    bool unreachable = false;
    for (const auto& h : report.hosts) {
        if (!h.finished) continue;
        if (h.status == host_status::unreachable) unreachable = true;
        else if (is_failure(h, report.mode)) return 2;
    }
    return unreachable ? 3 : 0;
}

std::string run_exit_meaning(const run_report& report) {
    switch (run_exit_status(report)) {
        case 5: return report.complete ? "interrupted" : "stopped before it finished";
        case 4: return "halted at the failure threshold";
        case 2: return "some hosts failed";
        case 3: return "some hosts unreachable";
        default: return "success";
    }
}

std::string duration_text(const std::optional<wall_time>& from, const std::optional<wall_time>& to) {
    if (!from || !to) return {};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*to - *from).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03llds", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms < 0 ? -(ms % 1000) : ms % 1000));
    return buf;
}

}  // namespace fleetmend
