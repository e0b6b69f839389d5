#include "orchestrator/report/render_context.hpp"

#include "orchestrator/report/names.hpp"

#include <algorithm>

namespace fleetmend {

namespace {

std::string confirmed_by(const run_approval& a) {
    return a.confirmed_by + " on " + a.workstation + " at " + format_time(a.at) + " (" +
           (a.how == "prompt" ? "answered the prompt" : "with --yes") + ")";
}

}  // namespace

std::vector<context_row> context_rows(const run_report& r) {
    std::vector<context_row> rows;
    if (r.approval) {
        const auto& a = *r.approval;
        rows.push_back({"Change ticket", a.change_ticket.empty() ? "none given" : a.change_ticket});
        rows.push_back({"Confirmed by", confirmed_by(a)});
        rows.push_back({"Command line", a.command_line});
    }
    // A merged report: each source run was let start on its own.
    for (const auto& source : r.sources) {
        if (!source.approval) continue;
        const auto& a = *source.approval;
        rows.push_back({"Run " + source.run_id, "confirmed by " + confirmed_by(a) + ", change ticket " +
                                                    (a.change_ticket.empty() ? "none given" : a.change_ticket)});
    }
    if (r.preflight) {
        const auto& p = *r.preflight;
        std::string text = std::to_string(p.hosts) + " hosts checked (connect, authenticate, rights to change) in " +
                           std::to_string(p.took.count()) + " ms: " + std::to_string(p.hosts - std::min(p.hosts, p.failed.size())) +
                           " passed, " + std::to_string(p.failed.size()) + " failed";
        for (std::size_t i = 0; i < p.failed.size() && i < 20; ++i)
            text += (i ? "; " : ": ") + p.failed[i].host + " (" + p.failed[i].message + ")";
        if (p.failed.size() > 20) text += "; ... and " + std::to_string(p.failed.size() - 20) + " more";
        rows.push_back({"Preflight", text});
    }
    if (r.scan) {
        const auto& s = *r.scan;
        std::string wanted;
        for (const auto& id : s.wanted) wanted += (wanted.empty() ? "" : ",") + id;
        rows.push_back({"Scan export", s.path + (wanted.empty() ? "" : " (findings " + wanted + ")") + ", sha256 " +
                                           (s.sha256.empty() ? "-" : s.sha256)});
        int closed = 0, targeted = 0;
        for (const auto& h : r.hosts) {
            if (!s.findings.contains(h.name)) continue;
            ++targeted;
            closed += findings_closed(h, r.mode) ? 1 : 0;
        }
        rows.push_back({"Findings closed", "on " + std::to_string(closed) + " of " + std::to_string(targeted) +
                                               " targeted hosts (" + std::to_string(s.scan_hosts) +
                                               " hosts in the export)"});
        if (!s.unmatched.empty()) {
            std::string list;
            for (std::size_t i = 0; i < s.unmatched.size() && i < 50; ++i) {
                const auto& u = s.unmatched[i];
                std::string what = u.name.empty() ? u.ip : u.name;
                if (!u.ip.empty() && u.ip != what) what += " (" + u.ip + ")";
                list += (list.empty() ? "" : ", ") + what;
            }
            if (s.unmatched.size() > 50) list += ", ... and " + std::to_string(s.unmatched.size() - 50) + " more";
            rows.push_back({"Not matched (never contacted)", std::to_string(s.unmatched.size()) + ": " + list});
        }
    }
    return rows;
}

std::string findings_text(const run_report& r, const host_report& h) {
    if (!r.scan) return {};
    const auto found = r.scan->findings.find(h.name);
    if (found == r.scan->findings.end()) return {};
    std::string text;
    for (const auto& f : found->second) text += (text.empty() ? "" : ", ") + f.id + (f.name.empty() ? "" : " " + f.name);
    if (text.empty()) text = "in the scan";
    return text + ": " + (findings_closed(h, r.mode) ? "closed" : "open");
}

}  // namespace fleetmend
