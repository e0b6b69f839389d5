// `fleetmend validate -i INV PLAYBOOK`: checks both files and resolves the
// playbook's targets against the inventory. Changes nothing, contacts no
// host and fetches no secret.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/config/run_readiness.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>

namespace fleetmend::cli {
namespace {

struct validate_options {
    std::string inventory_path;
    std::string playbook_path;
};

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + ' ' + word + (n == 1 ? "" : "s");
}

// Unset variables are only warned about: validate may run where the run's
// environment is not set up, but the admin should hear of it before a run.
std::vector<std::string> missing_env_sources(const std::vector<const host_entry*>& hosts) {
    std::set<std::string> missing;
    for (const auto* host : hosts)
        if (host->password_source.from == secret_source::kind::env && std::getenv(host->password_source.reference.c_str()) == nullptr)
            missing.insert(host->password_source.reference);
    return {missing.begin(), missing.end()};
}

int validate(const validate_options& options, bool json) {
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("validate", inv.error().to_string());
    auto book = load_playbook(options.playbook_path);
    if (!book) return report_bad_input("validate", book.error().to_string());
    auto targets = select_hosts(*inv, book->targets);
    if (!targets) return report_bad_input("validate", book->path + ": key 'targets': " + targets.error().to_string());
    const auto missing = missing_env_sources(*targets);
    const auto problems = check_run_readiness(*inv, *book, *targets);
    if (json) {
        nlohmann::json out{
            {"inventory", {{"path", inv->path}, {"hosts", inv->hosts.size()}, {"groups", inv->groups.size()}}},
            {"playbook",
             {{"path", book->path}, {"name", book->name}, {"capture", book->capture.size()},
              {"apply", book->apply.size()}, {"verify", book->verify.size()}, {"rollback", book->rollback.size()},
              {"targets", book->targets}, {"targeted_hosts", targets->size()}}},
            {"unset_password_variables", missing},
            {"problems", nlohmann::json::array()},
        };
        for (const auto& p : problems) out["problems"].push_back({{"where", p.where}, {"message", p.message}});
        std::printf("%s\n", out.dump(2).c_str());
    } else if (problems.empty()) {
        std::printf("inventory %s: ok, %s in %s\n", inv->path.c_str(), plural(inv->hosts.size(), "host").c_str(),
                    plural(inv->groups.size(), "group").c_str());
        std::printf("playbook %s (%s): ok, %zu capture, %zu apply, %zu verify, %zu rollback; targets \"%s\" -> %s\n",
                    book->name.c_str(), book->path.c_str(), book->capture.size(), book->apply.size(),
                    book->verify.size(), book->rollback.size(), book->targets.c_str(),
                    plural(targets->size(), "host").c_str());
    }
    for (const auto& p : problems) std::fprintf(stderr, "fleetmend validate: %s: %s\n", p.where.c_str(), p.message.c_str());
    for (const auto& name : missing)
        std::fprintf(stderr, "fleetmend validate: warning: environment variable %s (a password source) is not set; "
                             "export it before `fleetmend run`\n", name.c_str());
    if (targets->empty())
        std::fprintf(stderr, "fleetmend validate: warning: targets \"%s\" selects no host\n", book->targets.c_str());
    if (!problems.empty()) {
        std::fprintf(stderr, "fleetmend validate: %zu problem%s a run would meet; nothing was contacted\n",
                     problems.size(), problems.size() == 1 ? "" : "s");
        return exit_bad_input;
    }
    return exit_success;
}

}  // namespace

void add_validate_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<validate_options>();
    auto* sub = app.add_subcommand("validate", "Check an inventory and a playbook; changes nothing");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("playbook", options->playbook_path, "Playbook file (TOML)")->required();
    auto json = std::make_shared<bool>(false);
    sub->add_flag("--json", *json, "Print a JSON summary");
    sub->callback([options, json, &global, &status] { status = validate(*options, *json || global.json); });
}

}  // namespace fleetmend::cli
