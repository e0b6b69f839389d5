// `fleetmend inventory -i INV [--limit PATTERN] [--json]`: the hosts a run
// would reach and how, with every secret shown as its source only.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"
#include "orchestrator/engine/run_targets.hpp"

#include <cstdio>
#include <memory>

namespace fleetmend::cli {
namespace {

struct inventory_options {
    std::string inventory_path;
    std::string limit = "all";
    bool json = false;
};

int show_inventory(const inventory_options& options, bool json) {
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("inventory", inv.error().to_string());
    // The same selection a run makes, @REPORT:STATUS included: previews a retry.
    auto selected = select_targets(*inv, "all", options.limit);
    if (!selected) return report_bad_input("inventory", selected.error());
    if (json) {
        nlohmann::json out{{"inventory", inv->path}, {"limit", options.limit}, {"hosts", nlohmann::json::array()}};
        for (const auto* host : *selected) out["hosts"].push_back(host_to_json(*host));
        nlohmann::json groups = nlohmann::json::object();
        for (const auto& [name, group] : inv->groups)
            groups[name] = {{"hosts", group.hosts}, {"children", group.children}};
        out["groups"] = std::move(groups);
        std::printf("%s\n", out.dump(2).c_str());
        return exit_success;
    }
    for (const auto* host : *selected) std::printf("%s\n", host_to_line(*host).c_str());
    std::printf("%zu of %zu hosts (%s), %zu groups, from %s\n", selected->size(), inv->hosts.size(),
                options.limit.c_str(), inv->groups.size(), inv->path.c_str());
    return exit_success;
}

}  // namespace

void add_inventory_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<inventory_options>();
    auto* sub = app.add_subcommand("inventory", "Show the resolved hosts and their settings (secrets masked)");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("-l,--limit", options->limit, "Host pattern (names, groups, globs, !exclude, &intersect, commas), or @REPORT:STATUS to preview a retry");
    sub->add_flag("--json", options->json, "Print JSON instead of one line per host");
    sub->callback([options, &global, &status] { status = show_inventory(*options, options->json || global.json); });
}

}  // namespace fleetmend::cli
