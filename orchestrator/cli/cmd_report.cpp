// `fleetmend report`: render a report, merge several, or rebuild one from a journal.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/report/merge.hpp"
#include "orchestrator/report/render.hpp"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <set>

namespace fleetmend::cli {
namespace {

struct report_options {
    std::string report_path;
    std::string from_journal;
    std::string format;
    std::string output;
    std::vector<std::string> merge_paths;
    bool force = false;  // merge: allow check and apply runs together
};

const std::vector<std::string> formats{"text", "markdown", "html", "junit", "json"};

std::string render(const run_report& r, const std::string& format, bool terminal) {
    if (format == "markdown") return render_markdown(r);
    if (format == "html") return render_html(r);
    if (format == "junit") return render_junit(r);
    if (format == "json")
        return report_to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return render_text(r, text_options{.color = terminal});
}

/// Writes to -o atomically, or to stdout.
int emit(const run_report& r, const report_options& o, const std::string& default_format) {
    const auto format = o.format.empty() ? default_format : o.format;
    if (o.output.empty() || o.output == "-") {
        const auto text = render(r, format, o.output.empty() && ::isatty(STDOUT_FILENO) == 1);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return exit_success;
    }
    if (auto written = write_file_atomically(render(r, format, false), o.output); !written) return report_bad_input("report", written.error());
    std::fprintf(stderr, "wrote %s\n", o.output.c_str());
    return exit_success;
}

int run_render(const report_options& o) {
    if (!o.from_journal.empty()) {
        if (!o.report_path.empty()) return report_bad_input("report", "give either REPORT or --from-journal, not both");
        // Whatever the journal kept: a damaged record ends what is read, not the rebuild.
        std::string damage;
        auto contents = read_journal_prefix(o.from_journal, damage);
        if (!contents) return report_bad_input("report", contents.error());
        if (!damage.empty()) std::fprintf(stderr, "fleetmend report: %s\n", damage.c_str());
        if (contents->torn_tail)
            std::fprintf(stderr,
                         "fleetmend report: %s ends with a torn record (%zu bytes, left by a crash); it was ignored\n",
                         o.from_journal.c_str(), contents->torn_bytes);
        const auto r = build_report(contents->events);
        if (r.run_id.empty())
            return report_bad_input("report", o.from_journal + " has no run_started record; it is not a fleetmend journal");
        return emit(r, o, "json");
    }
    if (o.report_path.empty()) return report_bad_input("report", "give a REPORT file, --from-journal JOURNAL, or `merge REPORT...`");
    auto r = read_report_file(o.report_path);
    if (!r) return report_bad_input("report", r.error());
    return emit(*r, o, "text");
}

int run_merge(const report_options& o) {
    std::vector<merge_input> inputs;
    for (const auto& path : o.merge_paths) {
        auto r = read_report_file(path);
        if (!r) return report_bad_input("report merge", r.error());
        inputs.push_back({std::move(*r), path});
    }
    // A check run's would-change next to an apply run's changed reads as one
    // fleet state that never existed; different files mean different fleets.
    for (const auto& in : inputs)
        std::fprintf(stderr, "fleetmend report merge: source %s: run %s, %s, inventory %s%s%s, playbook %s\n",
                     in.path.c_str(), in.report.run_id.c_str(), to_string(in.report.mode),
                     in.report.inventory.path.c_str(), in.report.inventory.sha256.empty() ? "" : " sha256 ",
                     in.report.inventory.sha256.substr(0, 12).c_str(), in.report.playbook.path.c_str());
    std::set<std::string> modes, inventories, playbooks;
    for (const auto& in : inputs) {
        modes.insert(to_string(in.report.mode));
        inventories.insert(in.report.inventory.path + "@" + in.report.inventory.sha256);
        playbooks.insert(in.report.playbook.path + "@" + in.report.playbook.sha256);
    }
    if (modes.contains("check") && modes.size() > 1) {
        if (!o.force)
            return report_bad_input("report merge", std::string("refusing to merge check and ") +
                                                        (modes.contains("apply") ? "apply" : "rollback") +
                                                        " runs: their statuses (would-change against changed) "
                                                        "describe different things; add --force to merge anyway");
        std::fprintf(stderr, "fleetmend report merge: warning: merging runs of different modes (--force)\n");
    }
    if (inventories.size() > 1)
        std::fprintf(stderr, "fleetmend report merge: warning: the sources ran from %zu different inventories "
                             "(path or content)\n", inventories.size());
    if (playbooks.size() > 1)
        std::fprintf(stderr, "fleetmend report merge: warning: the sources ran %zu different playbooks (path or "
                             "content)\n", playbooks.size());
    if (scans_differ(inputs))
        std::fprintf(stderr, "fleetmend report merge: warning: the sources targeted hosts from different scan exports "
                             "(or finding ids); the merged report has no scan section: merge the runs of one scan\n");
    return emit(merge_reports(inputs, make_run_id()), o, "json");
}

}  // namespace

void add_report_command(CLI::App& app, const global_options&, int& status) {
    auto options = std::make_shared<report_options>();
    auto* cmd = app.add_subcommand("report", "Render a change report (text, markdown, html, junit, json), "
                                             "merge reports, or rebuild one from a run's journal");
    cmd->add_option("REPORT", options->report_path, "A report written by a run (<report-dir>/<run-id>.json)");
    cmd->add_option("--from-journal", options->from_journal,
                    "Rebuild the report from a run's journal (<run-id>.journal), e.g. after a crash");
    cmd->add_option("--format", options->format, "text (default), markdown, html, junit or json "
                                                 "(json is the default with --from-journal)")
        ->check(CLI::IsMember(formats));
    cmd->add_option("-o,--output", options->output, "Write to FILE (atomically, mode 0600) instead of stdout");
    cmd->callback([options, &status] {
        if (!options->merge_paths.empty()) return;  // the merge sub-command ran
        status = run_render(*options);
    });

    auto* merge = cmd->add_subcommand("merge", "One report from several runs or shards: a host's latest result "
                                               "wins, totals recomputed, sources listed");
    merge->add_option("REPORT", options->merge_paths, "Reports to merge")->required();
    merge->add_option("-o,--output", options->output, "The merged report file")->required();
    merge->add_option("--format", options->format, "json (default) or a rendering of the merged report")
        ->check(CLI::IsMember(formats));
    merge->add_flag("--force", options->force, "Merge check runs with apply or rollback runs too");
    merge->callback([options, &status] { status = run_merge(*options); });
}

}  // namespace fleetmend::cli
