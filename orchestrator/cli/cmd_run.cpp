// `fleetmend run -i INVENTORY PLAYBOOK`: the staged rollout. Loads both files,
// picks the targets, plans the batches, asks before changing hosts, runs the
// rollout and writes the report and the journal side by side.
#include "orchestrator/cli/change_gate.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/preflight.hpp"
#include "orchestrator/engine/run_resume.hpp"
#include "orchestrator/journal/journal.hpp"

#include <algorithm>
#include <cstdio>

namespace fleetmend::cli {
namespace {

struct run_options {
    std::string inventory_path;
    std::string playbook_path;
    bool check = false;
    rollout_flags rollout;
};

int run_playbook(const run_options& options, const global_options& global) {
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("run", inv.error().to_string());
    auto book = load_playbook(options.playbook_path);
    if (!book) return report_bad_input("run", book.error().to_string());
    const rollout_overrides overrides = options.rollout.given();
    if (auto applied = apply_overrides(overrides, book->rollout); !applied)
        return report_bad_input("run", applied.error());

    scan_source scan;
    auto targets = select_targets(*inv, book->targets, options.rollout.limit, options.rollout.shard, &scan);
    if (!targets) return report_bad_input("run", targets.error());
    if (!scan.path.empty()) print_scan_summary("run", scan, targets->size());
    if (targets->empty() && options.rollout.shard) {
        // With more shards than hosts some slices are empty: a CI matrix or
        // an Indexed Job task with nothing to do has succeeded. Without the
        // shard, though, no target at all is the mistake it always was.
        const auto unsharded = select_targets(*inv, book->targets, options.rollout.limit, std::nullopt);
        if (unsharded && !unsharded->empty()) {
            std::fprintf(stderr, "fleetmend run: --shard %s holds none of the %zu targeted hosts; nothing to do\n",
                         to_string(*options.rollout.shard).c_str(), unsharded->size());
            return exit_success;
        }
    }
    if (targets->empty()) {
        std::fprintf(stderr, "fleetmend run: no host matches targets \"%s\"%s%s%s; nothing to do\n",
                     book->targets.c_str(), options.rollout.limit.empty() ? "" : " with --limit \"",
                     options.rollout.limit.c_str(), options.rollout.limit.empty() ? "" : "\"");
        // Rerunning the failures of a report that has none is not an error.
        return options.rollout.limit.starts_with("@") ? exit_success : exit_bad_input;
    }

    const run_mode mode = options.check ? run_mode::check : run_mode::apply;
    auto plan = plan_targets(*targets, book->rollout, overrides.seed);
    if (book->rollout.order == host_order::shuffle)
        std::fprintf(stderr, "fleetmend run: shuffled with seed %llu (repeat this order with --seed %llu)\n",
                     static_cast<unsigned long long>(plan.seed), static_cast<unsigned long long>(plan.seed));
    std::function<bool()> window;
    std::optional<run_approval> approval;
    if (mode == run_mode::apply) {
        auto gate = open_change_gate("run", book->rollout, options.rollout);
        if (!gate) return gate.error();
        window = std::move(*gate);
        std::string what = "apply playbook '" + book->name + "' to " + describe_plan(plan, book->rollout);
        if (!options.rollout.change_ticket.empty()) what += " under change " + options.rollout.change_ticket;
        if (const auto stop = confirm_change("run", what, options.rollout)) return *stop;
        approval = make_approval(options.rollout, global);
    }
    if (auto resolved = resolve_target_secrets(*inv, *targets); !resolved)
        return report_bad_input("run", resolved.error());
    std::optional<preflight_summary> preflight;
    if (mode == run_mode::apply && preflight_wanted(*book)) {
        preflight = run_preflight(*targets, *book, default_transport_factory(), book->rollout.concurrency);
        print_preflight("run", *preflight, book->rollout.preflight_stops_run);
        if (!preflight->failed.empty()) {
            if (book->rollout.preflight_stops_run || preflight->failed.size() == targets->size())
                return preflight_exit_status(*preflight);
            std::erase_if(*targets, [&](const host_entry* h) {
                return std::ranges::any_of(preflight->failed, [&](const preflight_failure& f) { return f.host == h->name; });
            });
            plan = plan_targets(*targets, book->rollout, plan.seed);
        }
    }

    run_started header = new_run_header(*book, *inv);
    if (!scan.path.empty()) header.scan = std::move(scan);
    header.approval = std::move(approval);
    header.preflight = std::move(preflight);
    const std::string journal = journal_path(options.rollout.report_dir, header.run_id);
    const int status =
        drive_and_report("run", *book, plan, book->rollout, mode, options.rollout, global, std::move(header), nullptr,
                         std::move(window));
    // The exact command, so an interrupted admin does not have to find the journal.
    if (status == exit_interrupted) std::printf("to continue: %s\n", resume_command(journal).c_str());
    return status;
}

}  // namespace

void add_run_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<run_options>();
    auto* sub = app.add_subcommand("run", "Run a playbook over the targeted hosts in staged batches");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("playbook", options->playbook_path, "Playbook file (TOML)")->required();
    sub->add_flag("--check", options->check, "Capture and judge compliance only; change nothing");
    add_rollout_flags(*sub, options->rollout);
    sub->callback([options, &global, &status] { status = run_playbook(*options, global); });
}

}  // namespace fleetmend::cli
