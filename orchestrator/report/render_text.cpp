// The terminal recap: what an admin reads right after a run.
#include "orchestrator/report/escape.hpp"
#include "orchestrator/report/render.hpp"
#include "orchestrator/report/render_context.hpp"

#include <algorithm>

namespace fleetmend {
namespace {

constexpr const char* status_order[] = {"changed", "unchanged",       "would-change", "rolled-back", "failed",
                                        "rollback-failed", "unreachable", "skipped",      "unfinished"};

class painter {
public:
    explicit painter(bool on) : on_(on) {}
    std::string operator()(const std::string& text, const char* code) const {
        return on_ ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
    }
    std::string for_status(const std::string& word, const std::string& text) const {
        if (word == "changed" || word == "would-change") return (*this)(text, "33");
        if (word == "unchanged") return (*this)(text, "32");
        if (word == "rolled-back") return (*this)(text, "36");
        if (word == "skipped") return (*this)(text, "2");
        return (*this)(text, "1;31");
    }

private:
    bool on_;
};

std::string pad(std::string text, std::size_t width) {
    // pad by bytes of already-safe text; good enough for host names
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

/// "  reached   40 connections, 40 logons, 41 shells; a lost shell was replaced on w07"
std::string connection_line(const run_report& r) {
    connection_figures sum;
    std::vector<std::string> replaced;
    for (const auto& h : r.hosts) {
        sum += h.connection;
        if (h.connection.shells > 1) replaced.push_back(h.name);
    }
    if (sum.connections == 0) return "";
    std::string line = "  reached   " + plural(sum.connections, "connection") + ", " +
                       plural(sum.authentications, "logon") + ", " + plural(sum.shells, "shell");
    if (!replaced.empty()) {
        line += "; a lost shell was replaced on ";
        for (std::size_t i = 0; i < replaced.size() && i < 5; ++i)
            line += (i ? ", " : "") + terminal_safe(replaced[i]);
        if (replaced.size() > 5) line += " and " + std::to_string(replaced.size() - 5) + " more";
    }
    return line + "\n";
}

/// Lines made safe for a terminal, each shortened and indented.
std::string indented(const std::vector<std::string>& lines, const std::string& indent) {
    std::string out;
    for (const auto& line : lines) out += indent + terminal_safe(shorten(line, 200)) + "\n";
    return out;
}

}  // namespace

std::string render_text(const run_report& r, const text_options& options) {
    const painter paint(options.color);
    std::string out;
    out += paint("fleetmend " + std::string(to_string(r.mode)) + " run " + terminal_safe(r.run_id), "1") + "\n";
    out += "  playbook  " + terminal_safe(r.playbook.path) + "\n";
    out += "  inventory " + terminal_safe(r.inventory.path) + "\n";
    if (!r.source_report.empty()) out += "  restores  " + terminal_safe(r.source_report) + "\n";
    out += "  started   " + (r.started ? format_time(*r.started) : std::string("-"));
    if (const auto took = duration_text(r.started, r.finished); !took.empty()) out += ", took " + took;
    out += "\n";
    if (!r.complete) out += "  " + paint("INCOMPLETE: the run stopped before it finished; resume it from its journal", "1;31") + "\n";
    else if (r.interrupted) out += "  " + paint("INTERRUPTED: hosts not started were skipped", "1;33") + "\n";
    for (const auto& s : r.sources) out += "  merged    " + terminal_safe(s.run_id) + " (" + terminal_safe(s.path) + ")\n";
    for (const auto& row : context_rows(r)) out += "  " + row.label + ": " + terminal_safe(shorten(row.text, 600)) + "\n";

    out += "\n" + paint("RECAP", "1") + "  total=" + std::to_string(r.summary.count("total") ? r.summary.at("total") : 0);
    for (const char* word : status_order) {
        const int n = r.summary.count(word) ? r.summary.at(word) : 0;
        const std::string item = std::string(word) + "=" + std::to_string(n);
        out += "  " + (n > 0 ? paint.for_status(word, item) : item);
    }
    out += "\n";
    out += connection_line(r);

    if (!r.batches.empty()) {
        out += "\n" + paint("BATCHES", "1") + "\n";
        for (const auto& b : r.batches) {
            out += "  " + pad(std::to_string(b.batch), 4) + pad(plural(b.hosts.size(), "host"), 12);
            if (!b.run_id.empty()) out += "[" + terminal_safe(b.run_id) + "] ";
            if (!b.started) {
                out += "not started\n";
                continue;
            }
            out += pad(std::to_string(b.failures) + " failed", 11);
            if (const auto took = duration_text(b.started, b.finished); !took.empty()) out += took;
            else out += "unfinished";
            if (b.halted) out += "  " + paint("HALTED: " + terminal_safe(b.reason), "1;31");
            out += "\n";
        }
    }

    std::size_t width = 8;
    for (const auto& h : r.hosts) width = std::max(width, std::min<std::size_t>(h.name.size(), 40));
    width += 2;

    std::vector<const host_report*> failures, changes;
    for (const auto& h : r.hosts) {
        if (is_failure(h, r.mode)) failures.push_back(&h);
        else if (is_change(h, r.mode)) changes.push_back(&h);
    }

    if (!failures.empty()) {
        out += "\n" + paint("FAILURES (" + std::to_string(failures.size()) + ")", "1;31") + "\n";
        const std::string indent(2 + width + 17, ' ');
        for (std::size_t i = 0; i < failures.size() && i < options.max_listed; ++i) {
            const auto& h = *failures[i];
            const auto word = status_word(h);
            out += "  " + pad(terminal_safe(h.name), width) + paint.for_status(word, pad(word, 16)) + " ";
            if (h.error) out += "[" + std::string(to_string(*h.error)) + "] ";
            if (!h.finished && h.in_flight)
                out += "outcome unknown: " + std::string(phase_name(h.in_flight->in_phase)) + " '" +
                       terminal_safe(h.in_flight->name) + "' was running";
            else
                out += terminal_safe(shorten(h.message, 300));
            out += "\n";
            if (const auto* s = failed_step(h)) {
                // The last lines explain the failure: stderr's, or stdout's
                // when stderr is empty; a hung command's say where it stopped.
                const bool cut_off = !cut_off_output(*s).empty();
                if (!s->stderr_excerpt.empty()) out += indented(failure_evidence(*s), indent + "stderr: ");
                if (cut_off || s->stderr_excerpt.empty())
                    out += indented(last_lines_of(s->stdout_excerpt, 3),
                                    indent + (cut_off ? "stdout before the cut: " : "stdout: "));
            }
        }
        if (failures.size() > options.max_listed)
            out += "  ... and " + std::to_string(failures.size() - options.max_listed) + " more (see the JSON or HTML report)\n";
    }

    if (r.scan) {
        std::vector<const host_report*> open;
        for (const auto& h : r.hosts)
            if (r.scan->findings.contains(h.name) && !findings_closed(h, r.mode)) open.push_back(&h);
        if (!open.empty()) {
            out += "\n" + paint("FINDINGS STILL OPEN (" + std::to_string(open.size()) + ")", "1;33") + "\n";
            for (std::size_t i = 0; i < open.size() && i < options.max_listed; ++i)
                out += "  " + pad(terminal_safe(open[i]->name), width) + terminal_safe(shorten(findings_text(r, *open[i]), 300)) + "\n";
            if (open.size() > options.max_listed)
                out += "  ... and " + std::to_string(open.size() - options.max_listed) + " more (see the JSON or HTML report)\n";
        }
    }

    if (!changes.empty()) {
        out += "\n" + paint(std::string(r.mode == run_mode::rollback ? "RESTORED (" : "CHANGES (") + std::to_string(changes.size()) + ")", "1") + "\n";
        for (std::size_t i = 0; i < changes.size() && i < options.max_listed; ++i) {
            const auto& h = *changes[i];
            const auto word = status_word(h);
            // A rollback run captured nothing before: what it put back is the news.
            auto what = r.mode == run_mode::rollback && h.status == host_status::rolled_back ? restored_text(h)
                                                                                              : changes_text(h);
            out += "  " + pad(terminal_safe(h.name), width) + paint.for_status(word, pad(word, 16)) + " " +
                   terminal_safe(shorten(what, 300)) + "\n";
        }
        if (changes.size() > options.max_listed)
            out += "  ... and " + std::to_string(changes.size() - options.max_listed) + " more (see the JSON or HTML report)\n";
    }
    return out;
}

}  // namespace fleetmend
