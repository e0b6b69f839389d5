// Entry point: parses the command line and hands over to one sub-command.
#include "orchestrator/cli/change_gate.hpp"
#include "orchestrator/cli/command_suggestion.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/open_files.hpp"
#include "transports/transport.hpp"

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdio>

namespace {

/// The first word that is no option, when it names no sub-command. Options
/// before it (-v, --json) take no value, so the word is the command.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if (arg == "--") return std::nullopt;
        if (arg.starts_with("-")) continue;
        for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; }))
            if (sub->check_name(std::string(arg))) return std::nullopt;
        return std::string(arg);
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace fleetmend::cli;
    // Thousands of hosts in flight need thousands of descriptors; the soft
    // limit (often 1,024) is raised to the hard one, and a --concurrency past
    // what that holds is capped and said (engine/open_files.hpp).
    fleetmend::raise_open_files_limit();
    CLI::App app{"fleetmend: remediate a fleet over WinRM and SSH, with staged rollouts, "
                 "exact rollback and one aggregated change report"};
    app.require_subcommand(1);
    // Global flags may also follow the sub-command: `fleetmend run ... --json`.
    app.fallthrough();
    app.set_version_flag("--version", std::string("fleetmend ") + FLEETMEND_VERSION);

    global_options global;
    // No secret is ever an argument (secrets come from env, files, prompts or
    // commands named in the inventory), so the line is recorded as typed.
    global.command_line = quoted_command_line(argc, argv);
    app.add_flag("-v,--verbose", global.verbosity, "More log detail (repeat for debug)");
    app.add_flag("--json", global.json, "Machine-readable JSON events on stdout");

    // Logs go to stderr so stdout stays for results and events.
    auto logger = spdlog::stderr_color_mt("fleetmend");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%^%l%$: %v");
    app.parse_complete_callback([&] {
        spdlog::set_level(global.verbosity >= 2 ? spdlog::level::debug
                          : global.verbosity == 1 ? spdlog::level::info
                                                  : spdlog::level::warn);
    });

    int status = exit_success;
    add_validate_command(app, global, status);
    add_inventory_command(app, global, status);
    add_run_command(app, global, status);
    add_rollback_command(app, global, status);
    add_exec_command(app, global, status);
    add_plan_command(app, global, status);
    add_resume_command(app, global, status);
    add_report_command(app, global, status);
    add_audit_command(app, global, status);
#if FLEETMEND_WITH_LAB
    add_lab_command(app, global, status);
    add_demo_command(app, global, status);
#endif
    add_completion_command(app, global, status);

    bool json_requested = false;
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--json") json_requested = true;
        else if (std::string_view(argv[i]) == "--") break;
    set_json_errors(json_requested);

    if (auto unknown = unknown_command(app, argc, argv)) {
        std::vector<std::string> names;
        for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(sub->get_name());
        const auto near = suggest_command(*unknown, names);
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        return report_bad_input(nullptr, "unknown command '" + *unknown + "'" +
                                             (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                             " Commands: " + known + " (fleetmend --help)");
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (json_requested && e.get_exit_code() != 0) return report_bad_input(nullptr, e.what());
        const int code = app.exit(e);
        return code == 0 ? exit_success : exit_bad_input;
    }
    // Jump host sessions live for the whole run (one login per bastion); end
    // them before static destruction takes spdlog and libssh away.
    fleetmend::close_shared_connections();
    return status;
}
