// `fleetmend resume JOURNAL`: continues a run that was interrupted or killed.
// Takes the report folder's lock, reads the journal, refuses a playbook that
// changed since, asks before changing hosts, then lets the engine continue
// the recorded plan and policy; one report covers the whole run.
#include "orchestrator/cli/change_gate.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/operator_prompt.hpp"
#include "orchestrator/engine/run_resume.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "orchestrator/journal/resume_state.hpp"
#include "orchestrator/journal/run_lock.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace fleetmend::cli {
namespace {

struct resume_options {
    std::string journal_path;
    std::string inventory_path;  // empty: the one the journal names
    std::string playbook_path;   // empty: the one the journal names
    bool yes = false;
};

int bad(const std::string& message) { return report_bad_input("resume", message); }

/// A finished run: nothing to do but make sure its report exists.
int already_finished(const resume_state& state, const std::string& journal_path) {
    const std::string report_path = std::filesystem::path(journal_path).replace_extension(".json").string();
    std::printf("fleetmend resume: run %s already finished; nothing to resume\n", state.header.run_id.c_str());
    if (!std::filesystem::exists(report_path)) {
        if (auto written = write_report_file(build_report(state.events), report_path); !written) {
            std::fprintf(stderr, "fleetmend resume: cannot write the report %s: %s\n", report_path.c_str(),
                         written.error().c_str());
            return exit_internal;
        }
        std::printf("the report was missing; rebuilt it from the journal\n");
    }
    std::printf("report:  %s\njournal: %s\n", report_path.c_str(), journal_path.c_str());
    return exit_success;
}

/// What the source report of a rollback run restores.
std::expected<std::map<std::string, fact_map>, std::string> rollback_facts(const run_started& header) {
    auto source = read_report_file(header.source_report);
    if (!source)
        return std::unexpected(source.error() + " (the report this rollback run restores from; it must still be there)");
    std::map<std::string, fact_map> facts;
    for (const auto& host : source->hosts)
        if (!host.facts_before.empty()) facts.emplace(host.name, host.facts_before);
    return facts;
}

std::string describe_left(const resume_state& state) {
    std::size_t left = 0;
    for (const auto& batch : state.remaining) left += batch.hosts.size();
    std::string text = std::to_string(left) + " host" + (left == 1 ? "" : "s") + " left";
    if (!state.recapture.empty())
        text += " (" + std::to_string(state.recapture.size()) + " interrupted mid-way, captured again first)";
    return text;
}

int resume_run(const resume_options& options, const global_options& global) {
    const std::string& journal = options.journal_path;
    const auto folder = std::filesystem::path(journal).parent_path().string();
    const std::string run_id = std::filesystem::path(journal).stem().string();
    if (!std::filesystem::exists(journal)) return bad(journal + ": no such journal (runs write <report-dir>/<run-id>.journal)");
    // Locked before reading: another resume of the same run must not read
    // the journal while this one appends to it.
    auto lock = run_lock::acquire(folder, run_id);
    if (!lock) return bad(lock.error());
    auto contents = read_journal(journal);
    if (!contents) return bad(contents.error());
    if (contents->torn_tail)
        std::fprintf(stderr, "fleetmend resume: %s ends with a torn record (%zu bytes, left by a crash); it is cut off\n",
                     journal.c_str(), contents->torn_bytes);
    auto state = plan_resume(*contents);
    if (!state) return bad(journal + ": " + state.error());
    if (state->run_was_finished) return already_finished(*state, journal);
    const run_started& header = state->header;

    const std::string inventory_path = options.inventory_path.empty() ? header.inventory_path : options.inventory_path;
    auto inv = load_inventory(inventory_path);
    if (!inv) return bad(inv.error().to_string() + (options.inventory_path.empty()
                                                        ? " (the inventory the journal names; give another with -i)"
                                                        : ""));
    const std::string playbook_path = options.playbook_path.empty() ? header.playbook_path : options.playbook_path;
    auto book = load_playbook(playbook_path);
    if (!book) return bad(book.error().to_string() + (options.playbook_path.empty()
                                                          ? " (the playbook the journal names; give another with --playbook)"
                                                          : ""));
    if (const auto digest = sha256_file(book->path); digest != header.playbook_sha256)
        return bad("the playbook " + book->path + " is not the one run " + header.run_id +
                   " started with (sha256 " + digest.substr(0, 12) + "..., the journal has " +
                   header.playbook_sha256.substr(0, 12) +
                   "...); a resume must run the same steps: restore that playbook (or point --playbook at a "
                   "copy of it), or start a new run with `fleetmend run`");
    if (sha256_file(inv->path) != header.inventory_sha256)
        std::fprintf(stderr, "fleetmend resume: note: the inventory %s changed since the run started; hosts are "
                             "reached with its current settings\n", inv->path.c_str());

    auto plan = plan_from_journal(header, *inv);
    if (!plan) return bad(plan.error());
    std::map<std::string, fact_map> restore_facts;
    if (header.mode == run_mode::rollback) {
        auto facts = rollback_facts(header);
        if (!facts) return bad(facts.error());
        restore_facts = std::move(*facts);
    }

    std::printf("fleetmend resume: run %s (%s, playbook '%s'): %s%s\n", header.run_id.c_str(), to_string(header.mode),
                book->name.c_str(), describe_left(*state).c_str(),
                state->halted ? "; the rollout had halted, so they are skipped" : "");
    std::function<bool()> window;
    if (header.mode != run_mode::check && header.mode != run_mode::audit && !state->halted) {
        rollout_flags confirm;
        confirm.yes = options.yes;
        // The run's own window (the journal keeps it): outside it nothing resumes.
        rollout_settings recorded = header.rollout;
        recorded.require_ticket = false;  // the ticket was given when the run started
        auto gate = open_change_gate("resume", recorded, confirm);
        if (!gate) return gate.error();
        window = std::move(*gate);
        const std::string what = "continue run " + header.run_id + ": " + describe_left(*state);
        if (const auto stop = confirm_change("resume", what, confirm)) return *stop;
    }
    std::vector<const host_entry*> targets;
    for (const auto& batch : plan->batches) targets.insert(targets.end(), batch.begin(), batch.end());
    if (auto resolved = resolve_target_secrets(*inv, targets); !resolved) return bad(resolved.error());

    drive_options drive;
    drive.style = global.json ? progress_style::json
                  : is_terminal(STDOUT_FILENO) ? progress_style::live
                                               : progress_style::plain;
    drive.stop = &install_stop_handlers();
    drive.window_open = std::move(window);
    auto outcome = drive_resume(*book, *plan, *state, std::move(drive), std::move(*lock), journal,
                                header.mode == run_mode::rollback ? &restore_facts : nullptr);
    if (!outcome) return bad(outcome.error());
    return report_outcome("resume", *outcome, header.mode, global, true);
}

}  // namespace

void add_resume_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<resume_options>();
    auto* sub = app.add_subcommand("resume", "Continue a run that was interrupted or killed, from its journal");
    sub->add_option("journal", options->journal_path, "The run's journal (<report-dir>/<run-id>.journal)")->required();
    sub->add_option("-i,--inventory", options->inventory_path,
                    "Inventory file (default: the one the journal names)");
    sub->add_option("--playbook", options->playbook_path,
                    "Playbook file (default: the one the journal names; must be the same file content)");
    sub->add_flag("--yes,-y", options->yes, "Do not ask before changing hosts");
    sub->callback([options, &global, &status] { status = resume_run(*options, global); });
}

}  // namespace fleetmend::cli
