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

bool is_failure(const host_report& host) {
    if (!host.finished) return host.started.has_value();
    // rolled-back: the change did not hold and was undone, so the host still needs attention
    return host.status == host_status::failed || host.status == host_status::unreachable ||
           host.status == host_status::rollback_failed || host.status == host_status::rolled_back;
}

bool is_change(const host_report& host) {
    return host.finished && (host.status == host_status::changed || host.status == host_status::would_change);
}

const step_record* failed_step(const host_report& host) {
    for (auto it = host.steps.rbegin(); it != host.steps.rend(); ++it)
        if (!it->ok) return &*it;
    return nullptr;
}

std::string_view cut_off_output(const step_record& step) {
    return step.error ? std::string_view(step.stdout_excerpt) : std::string_view();
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
