// Markdown: for a ticket, a pull request or a wiki page.
#include "orchestrator/report/escape.hpp"
#include "orchestrator/report/render.hpp"
#include "orchestrator/report/render_context.hpp"

namespace fleetmend {
namespace {

constexpr const char* status_order[] = {"changed", "unchanged",       "would-change", "rolled-back", "failed",
                                        "rollback-failed", "unreachable", "skipped",      "unfinished"};
constexpr std::size_t max_detailed_failures = 200;

std::string md(const std::string& text) { return markdown_inline(text); }
std::string code(const std::string& text) { return "`" + valid_utf8(text) + "`"; }
std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }
/// Windows line ends are layout, not content: a code block shows plain lines.
std::string output_block(std::string_view text) {
    std::string lines;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lines += text[i];
    return markdown_code_block(lines);
}

}  // namespace

std::string render_markdown(const run_report& r) {
    std::string out;
    out += "# fleetmend " + std::string(to_string(r.mode)) + " run " + md(r.run_id) + "\n\n";
    out += "| | |\n|---|---|\n";
    out += "| Playbook | " + md(r.playbook.path) + " (sha256 " + md(or_dash(r.playbook.sha256)) + ") |\n";
    out += "| Inventory | " + md(r.inventory.path) + " (sha256 " + md(or_dash(r.inventory.sha256)) + ") |\n";
    if (!r.source_report.empty()) out += "| Restores | " + md(r.source_report) + " |\n";
    out += "| Started | " + (r.started ? format_time(*r.started) : std::string("-")) + " |\n";
    out += "| Finished | " + (r.finished ? format_time(*r.finished) : std::string("-")) + " |\n";
    out += "| Duration | " + or_dash(duration_text(r.started, r.finished)) + " |\n";
    out += std::string("| State | ") +
           (!r.complete ? "**incomplete** (stopped before it finished; resume from the journal)"
                        : r.interrupted ? "interrupted" : "complete") +
           " |\n";
    out += "| Tool | fleetmend " + md(r.tool_version) + " |\n";
    for (const auto& s : r.sources) out += "| Merged from | " + md(s.run_id) + " (" + md(s.path) + ") |\n";
    for (const auto& row : context_rows(r)) out += "| " + row.label + " | " + md(row.text) + " |\n";

    out += "\n## Summary\n\n| Status | Hosts |\n|---|---:|\n";
    for (const char* word : status_order) {
        const int n = r.summary.count(word) ? r.summary.at(word) : 0;
        if (n > 0) out += "| " + std::string(word) + " | " + std::to_string(n) + " |\n";
    }
    out += "| **total** | **" + std::to_string(r.summary.count("total") ? r.summary.at("total") : 0) + "** |\n";

    if (r.scan && !r.scan->findings.empty()) {
        out += "\n## Scan findings\n\n| Host | Findings | Closed |\n|---|---|---|\n";
        std::size_t shown = 0;
        for (const auto& h : r.hosts) {
            if (!r.scan->findings.contains(h.name)) continue;
            if (++shown > max_detailed_failures) {
                out += "\n… and more (see the JSON report)\n";
                break;
            }
            std::string ids;
            for (const auto& f : r.scan->findings.at(h.name)) ids += (ids.empty() ? "" : ", ") + f.id + (f.name.empty() ? "" : " " + f.name);
            out += "| " + md(h.name) + " | " + md(or_dash(ids)) + " | " + (findings_closed(h, r.mode) ? "yes" : "**no**") + " |\n";
        }
    }

    if (!r.batches.empty()) {
        out += "\n## Batches\n\n| Batch | Hosts | Started | Duration | Failures | Halted |\n|---:|---:|---|---|---:|---|\n";
        for (const auto& b : r.batches) {
            out += "| " + std::to_string(b.batch) + (b.run_id.empty() ? "" : " (" + md(b.run_id) + ")") + " | " +
                   std::to_string(b.hosts.size()) + " | " + (b.started ? format_time(*b.started) : "not started") +
                   " | " + or_dash(duration_text(b.started, b.finished)) + " | " + std::to_string(b.failures) + " | " +
                   (b.halted ? "**yes**: " + md(b.reason) : "no") + " |\n";
        }
    }

    std::size_t failures = 0;
    for (const auto& h : r.hosts) failures += is_failure(h, r.mode) ? 1 : 0;
    if (failures > 0) {
        out += "\n## Failures\n";
        std::size_t shown = 0;
        for (const auto& h : r.hosts) {
            if (!is_failure(h, r.mode)) continue;
            if (++shown > max_detailed_failures) {
                out += "\n… and " + std::to_string(failures - max_detailed_failures) + " more (see the JSON report)\n";
                break;
            }
            out += "\n### " + md(h.name) + " — " + status_word(h) + "\n\n";
            if (h.error) out += "Error kind: " + code(to_string(*h.error)) + "  \n";
            if (!h.finished && h.in_flight)
                out += "Outcome unknown: " + std::string(phase_name(h.in_flight->in_phase)) + " step " +
                       md(h.in_flight->name) + " was running.\n";
            else
                out += md(or_dash(failure_message(h))) + "\n";
            if (const auto* s = failed_step(h)) {
                out += "\nStep " + md(s->name) + " (" + phase_name(s->in_phase) + "): " + code(s->command) +
                       (s->exit_code ? ", exit " + std::to_string(*s->exit_code) : std::string()) + "\n";
                if (!s->stderr_excerpt.empty()) out += "\nstderr:\n\n" + output_block(s->stderr_excerpt);
                if (auto printed = cut_off_output(*s); !printed.empty())
                    out += "\nPrinted before it was cut off:\n\n" + output_block(printed);
                else if (!s->stdout_excerpt.empty())
                    out += "\nstdout:\n\n" + output_block(s->stdout_excerpt);
            }
        }
    }

    out += "\n## Hosts\n\n| Host | Address | Transport | Batch | Status | Before → after | Message |\n"
           "|---|---|---|---:|---|---|---|\n";
    for (const auto& h : r.hosts) {
        out += "| " + md(h.name) + " | " + md(or_dash(h.address)) + " | " +
               (h.transport ? transport_name(*h.transport) : "-") + " | " + std::to_string(h.batch) + " | " +
               status_word(h) + " | " + md(or_dash(changes_text(h))) + " | " + md(or_dash(shorten(is_failure(h, r.mode) ? failure_message(h) : h.message, 300))) +
               " |\n";
    }
    return out;
}

}  // namespace fleetmend
