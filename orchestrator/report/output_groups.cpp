#include "orchestrator/report/output_groups.hpp"

#include "orchestrator/report/escape.hpp"
#include "orchestrator/report/names.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace fleetmend {
namespace {

/// The step that ran the command (exec has one); null when none ran.
const step_record* command_step(const host_report& host) {
    for (const auto& s : host.steps)
        if (s.in_phase == phase::apply) return &s;
    return nullptr;
}

std::string paint(bool on, const std::string& text, const char* code) {
    return on ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
}

/// Each line made safe for a terminal; a missing final newline added.
std::string safe_block(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        auto line = std::string_view(text).substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += terminal_safe(line) + "\n";
        start = end + 1;
    }
    return out;
}

/// The report's hosts in plan order (the report lists them as they started).
std::vector<const host_report*> in_plan_order(const run_report& report) {
    std::map<std::string, std::size_t> planned;
    for (const auto& b : report.batches)
        for (const auto& name : b.hosts) planned.try_emplace(name, planned.size());
    std::vector<const host_report*> hosts;
    for (const auto& h : report.hosts) hosts.push_back(&h);
    std::ranges::stable_sort(hosts, [&](const host_report* a, const host_report* b) {
        const auto pa = planned.find(a->name), pb = planned.find(b->name);
        return (pa == planned.end() ? planned.size() : pa->second) < (pb == planned.end() ? planned.size() : pb->second);
    });
    return hosts;
}

}  // namespace

std::vector<output_group> group_outputs(const run_report& report) {
    using key = std::tuple<std::string, std::optional<int>, std::string, std::string, std::string>;
    std::map<key, std::size_t> index;
    std::vector<output_group> groups;
    for (const auto* entry : in_plan_order(report)) {
        const auto& host = *entry;
        const auto* s = command_step(host);
        output_group g;
        g.status = status_word(host);
        if (s) {
            g.exit_code = s->exit_code;
            g.stdout_text = s->stdout_excerpt;
            g.stderr_text = s->stderr_excerpt;
            g.truncated = s->stdout_total_bytes > s->stdout_excerpt.size() ||
                          s->stderr_total_bytes > s->stderr_excerpt.size();
        }
        // A command that ran speaks for itself; one that never did has only its message.
        if (!s || s->error) g.message = s && !s->message.empty() ? s->message : host.message;
        const key k{g.status, g.exit_code, g.stdout_text, g.stderr_text, g.message};
        const bool truncated = g.truncated;
        const auto [it, added] = index.try_emplace(k, groups.size());
        if (added) groups.push_back(std::move(g));
        groups[it->second].hosts.push_back(host.name);
        groups[it->second].truncated = groups[it->second].truncated || truncated;
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const output_group& a, const output_group& b) { return a.hosts.size() > b.hosts.size(); });
    return groups;
}

std::string render_output_groups(const std::vector<output_group>& groups, bool color) {
    std::string out;
    for (const auto& g : groups) {
        std::string head = "---- " + std::to_string(g.hosts.size()) + (g.hosts.size() == 1 ? " host" : " hosts");
        if (g.exit_code) head += ", exit " + std::to_string(*g.exit_code);
        else head += ", " + g.status;
        head += ":";
        std::string names;
        for (const auto& name : g.hosts) names += (names.empty() ? " " : ", ") + terminal_safe(name);
        const bool ok = g.exit_code && *g.exit_code == 0 && g.message.empty();
        out += paint(color, head, ok ? "1;32" : "1;31") + names + "\n";
        if (!g.message.empty()) out += safe_block(g.message);
        out += safe_block(g.stdout_text);
        if (!g.stderr_text.empty()) {
            out += paint(color, "stderr:", "33") + "\n";
            out += safe_block(g.stderr_text);
        }
        if (g.truncated) out += "(output cut: longer than what exec keeps per stream; see --json totals)\n";
    }
    return out;
}

std::vector<nlohmann::json> host_outputs_json(const run_report& report) {
    std::vector<nlohmann::json> out;
    for (const auto* entry : in_plan_order(report)) {
        const auto& host = *entry;
        nlohmann::json j{{"event", "exec_host"}, {"host", host.name}, {"address", host.address},
                         {"status", status_word(host)}};
        if (const auto* s = command_step(host)) {
            j["exit_code"] = s->exit_code ? nlohmann::json(*s->exit_code) : nlohmann::json(nullptr);
            j["stdout"] = s->stdout_excerpt;
            j["stderr"] = s->stderr_excerpt;
            j["stdout_total_bytes"] = s->stdout_total_bytes;
            j["stderr_total_bytes"] = s->stderr_total_bytes;
        } else {
            j["exit_code"] = nullptr;
        }
        if (host.error) j["error"] = to_string(*host.error);
        // The command's own words; the runner's note about facts means nothing here.
        const auto* s = command_step(host);
        const std::string& message = s ? s->message : host.message;
        if (!message.empty()) j["message"] = message;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace fleetmend
