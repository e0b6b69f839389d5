// Entry point: parses the command line and hands over to one sub-command.
#include "orchestrator/cli/commands.hpp"
#include "transports/transport.hpp"

#include <spdlog/spdlog.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdio>

int main(int argc, char** argv) {
    using namespace fleetmend::cli;
    CLI::App app{"fleetmend: remediate a fleet over WinRM and SSH, with staged rollouts, "
                 "exact rollback and one aggregated change report"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("fleetmend ") + FLEETMEND_VERSION);

    global_options global;
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
    add_resume_command(app, global, status);
    add_report_command(app, global, status);
#if FLEETMEND_WITH_LAB
    add_lab_command(app, global, status);
    add_demo_command(app, global, status);
#endif

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_success : exit_bad_input;
    }
    // Jump host sessions live for the whole run (one login per bastion); end
    // them before static destruction takes spdlog and libssh away.
    fleetmend::close_shared_connections();
    return status;
}
