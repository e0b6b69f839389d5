// `fleetmend plan -i INVENTORY PLAYBOOK [--limit ...]`: the batches with their
// hosts and, per host, the exact commands each step will run, before
// anything runs. Contacts no host, reads no secret.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/open_files.hpp"
#include "orchestrator/engine/plan_preview.hpp"
#include "orchestrator/report/names.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace fleetmend::cli {
namespace {

struct plan_options {
    std::string inventory_path;
    std::string playbook_path;
    rollout_flags rollout;
};

int show_plan(const plan_options& options, const global_options& global) {
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("plan", inv.error().to_string());
    auto book = load_playbook(options.playbook_path);
    if (!book) return report_bad_input("plan", book.error().to_string());
    const rollout_overrides overrides = options.rollout.given();
    if (auto applied = apply_overrides(overrides, book->rollout); !applied)
        return report_bad_input("plan", applied.error());
    auto targets = select_targets(*inv, book->targets, options.rollout.limit, options.rollout.shard);
    if (!targets) return report_bad_input("plan", targets.error());
    if (targets->empty())
        return report_bad_input("plan", "no host matches targets \"" + book->targets + "\"" +
                                            (options.rollout.limit.empty() ? "" : " with --limit \"" + options.rollout.limit + "\""));
    const auto plan = plan_targets(*targets, book->rollout, overrides.seed);

    std::vector<host_preview> previews;
    for (std::size_t b = 0; b < plan.batches.size(); ++b)
        for (const auto* host : plan.batches[b])
            previews.push_back({host, static_cast<int>(b) + 1, preview_run(*book, *host, book->rollout.on_failure)});

    // A cap by the open-files limit is said as a run says it: on stderr, once.
    if (const auto note = concurrency_note(book->rollout.concurrency); !note.empty())
        std::fprintf(stderr, "fleetmend plan: %s\n", note.c_str());
    if (global.json) {
        nlohmann::json batches = nlohmann::json::array();
        for (const auto& batch : plan.batches) {
            nlohmann::json names = nlohmann::json::array();
            for (const auto* host : batch) names.push_back(host->name);
            batches.push_back(std::move(names));
        }
        const nlohmann::json out{{"playbook", book->path}, {"inventory", inv->path}, {"seed", plan.seed},
                                 {"summary", describe_plan(plan, book->rollout)}, {"batches", std::move(batches)},
                                 {"hosts", previews_json(previews)}};
        std::printf("%s\n", out.dump(2).c_str());
        return exit_success;
    }
    std::printf("plan: playbook '%s' (%s): %s\n", book->name.c_str(), book->path.c_str(),
                describe_plan(plan, book->rollout).c_str());
    if (book->rollout.order == host_order::shuffle)
        std::printf("shuffled with seed %llu: run with --seed %llu to keep this order\n",
                    static_cast<unsigned long long>(plan.seed), static_cast<unsigned long long>(plan.seed));
    for (std::size_t b = 0; b < plan.batches.size(); ++b) {
        std::string names;
        for (const auto* host : plan.batches[b]) names += (names.empty() ? "" : ", ") + host->name;
        std::printf("batch %zu (%zu host%s): %s\n", b + 1, plan.batches[b].size(), plan.batches[b].size() == 1 ? "" : "s",
                    names.c_str());
    }
    std::fputs(render_previews(previews).c_str(), stdout);
    std::printf("\nnothing was run; placeholders <...> are filled on each host from its capture\n");
    return exit_success;
}

}  // namespace

void add_plan_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<plan_options>();
    auto* sub = app.add_subcommand("plan", "Show the batches and, per host, the commands a run would send; run nothing");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("playbook", options->playbook_path, "Playbook file (TOML)")->required();
    add_rollout_flags(*sub, options->rollout);
    sub->callback([options, &global, &status] { status = show_plan(*options, global); });
}

}  // namespace fleetmend::cli
