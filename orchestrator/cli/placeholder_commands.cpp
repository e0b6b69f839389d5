// PLACEHOLDER sub-commands until their owners land them. Each owner deletes
// its function from here when adding its own cmd_*.cpp.
#include "orchestrator/cli/commands.hpp"

#include <cstdio>

namespace fleetmend::cli {
namespace {
void add_placeholder(CLI::App& app, const char* name, int& status) {
    auto* sub = app.add_subcommand(name, "(not available yet)");
    sub->allow_extras();
    sub->callback([&status, name] {
        std::fprintf(stderr, "fleetmend %s: not available yet\n", name);
        status = exit_internal;
    });
}
}  // namespace

void add_resume_command(CLI::App& app, const global_options&, int& status) { add_placeholder(app, "resume", status); }

}  // namespace fleetmend::cli
