// `fleetmend rollback -i INVENTORY --from REPORT`: restores, host by host, the
// facts an earlier run captured before it changed anything, then checks that
// a capture gives those facts back. Same batching, threshold and progress as
// `run`; its own report names the report it restored from.
#include "orchestrator/cli/change_gate.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/plan_preview.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace fleetmend::cli {
namespace {

struct rollback_options {
    std::string inventory_path;
    std::string from_report;
    std::string playbook_path;  // empty: the one the report names
    std::string which = "changed";
    bool check = false;
    rollout_flags rollout;
};

/// `rollback --check`: the commands a rollback would run per host, with the
/// report's facts filled in; nothing is contacted.
int show_rollback_plan(const playbook& book, const planned_rollout& plan,
                       const std::map<std::string, fact_map>& facts_before, const std::string& from,
                       const global_options& global) {
    std::vector<host_preview> previews;
    for (std::size_t b = 0; b < plan.batches.size(); ++b)
        for (const auto* host : plan.batches[b])
            previews.push_back({host, static_cast<int>(b) + 1, preview_rollback(book, *host, facts_before.at(host->name))});
    if (global.json) {
        const nlohmann::json out{{"from", from}, {"playbook", book.path}, {"summary", describe_plan(plan, book.rollout)},
                                 {"hosts", previews_json(previews)}};
        std::printf("%s\n", out.dump(2).c_str());
        return exit_success;
    }
    std::printf("rollback --check: from %s, %s\n", from.c_str(), describe_plan(plan, book.rollout).c_str());
    std::fputs(render_previews(previews).c_str(), stdout);
    std::printf("\nnothing was run or changed (--check)\n");
    return exit_success;
}

/// Whether a host of the source report is restored for --hosts `which`.
bool chosen(const host_report& host, const std::string& which) {
    const std::string word = status_word(host);
    const bool changed = word == "changed";
    const bool failed = word == "failed" || word == "rollback-failed" || word == "unfinished";
    if (which == "changed") return changed;
    if (which == "failed") return failed;
    return changed || failed;
}

int roll_back(const rollback_options& options, const global_options& global) {
    if (options.which != "changed" && options.which != "failed" && options.which != "all")
        return report_bad_input("rollback", "--hosts " + options.which + ": use changed, failed or all");
    auto source = read_report_file(options.from_report);
    if (!source) return report_bad_input("rollback", source.error());
    if (source->mode != run_mode::apply)
        return report_bad_input("rollback", options.from_report + " is a " + to_string(source->mode) +
                                                " run; only an apply run changed hosts to restore");
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("rollback", inv.error().to_string());
    const std::string playbook_path = options.playbook_path.empty() ? source->playbook.path : options.playbook_path;
    auto book = load_playbook(playbook_path);
    if (!book)
        return report_bad_input("rollback", book.error().to_string() +
                                                (options.playbook_path.empty() ? " (the playbook the report names; "
                                                                                 "give another with --playbook)"
                                                                               : ""));
    if (book->rollback.empty())
        return report_bad_input("rollback", "playbook " + book->path + " has no [[rollback]] steps");
    const rollout_overrides overrides = options.rollout.given();
    if (auto applied = apply_overrides(overrides, book->rollout); !applied)
        return report_bad_input("rollback", applied.error());

    std::map<std::string, fact_map> facts_before;
    std::set<std::string> no_facts;
    for (const auto& host : source->hosts) {
        if (!chosen(host, options.which)) continue;
        if (host.facts_before.empty())
            no_facts.insert(host.name);
        else
            facts_before[host.name] = host.facts_before;
    }
    for (const auto& name : no_facts)
        std::fprintf(stderr, "fleetmend rollback: %s: the report holds no facts before, so it is left alone\n",
                     name.c_str());

    // A host's --shard slice depends on its name only, so narrowing before
    // the report's hosts are picked gives the same slice as after.
    auto limited = select_targets(*inv, "all", options.rollout.limit, options.rollout.shard);
    if (!limited) return report_bad_input("rollback", limited.error());
    std::vector<const host_entry*> targets;
    for (const auto* host : *limited)
        if (facts_before.contains(host->name)) targets.push_back(host);
    for (const auto& [name, facts] : facts_before)
        if (!inv->find(name))
            std::fprintf(stderr, "fleetmend rollback: %s is in the report but not in %s; it is left alone\n",
                         name.c_str(), inv->path.c_str());
    if (targets.empty()) {
        std::fprintf(stderr, "fleetmend rollback: no %s host of %s to restore; nothing to do\n",
                     options.which.c_str(), options.from_report.c_str());
        return exit_success;
    }

    const auto plan = plan_targets(targets, book->rollout, overrides.seed);
    if (options.check) return show_rollback_plan(*book, plan, facts_before, options.from_report, global);
    const std::string what = "restore the facts before of " + describe_plan(plan, book->rollout) + " from " +
                             options.from_report;
    // A rollback changes hosts too: the same ticket and window rules.
    auto gate = open_change_gate("rollback", book->rollout, options.rollout);
    if (!gate) return gate.error();
    if (const auto stop = confirm_change("rollback", what, options.rollout)) return *stop;
    auto approval = make_approval(options.rollout, global);
    if (auto resolved = resolve_target_secrets(*inv, targets); !resolved)
        return report_bad_input("rollback", resolved.error());

    run_started header = new_run_header(*book, *inv);
    header.source_report = options.from_report;
    header.approval = std::move(approval);
    return drive_and_report("rollback", *book, plan, book->rollout, run_mode::rollback, options.rollout, global,
                            std::move(header), &facts_before, std::move(*gate));
}

}  // namespace

void add_rollback_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<rollback_options>();
    auto* sub = app.add_subcommand("rollback", "Restore the hosts an earlier run changed, from its report");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("--from", options->from_report, "The report of the run to undo")->required();
    sub->add_option("--hosts", options->which, "changed | failed | all")->capture_default_str();
    sub->add_option("--playbook", options->playbook_path, "Playbook with the rollback steps (default: the report's)");
    sub->add_flag("--check", options->check, "Show the commands the rollback would run on each host; change nothing");
    add_rollout_flags(*sub, options->rollout);
    sub->callback([options, &global, &status] { status = roll_back(*options, global); });
}

}  // namespace fleetmend::cli
