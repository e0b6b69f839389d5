#include "orchestrator/cli/change_gate.hpp"

#include "orchestrator/config/maintenance_window.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace fleetmend::cli {
namespace {

std::string os_user() {
    std::string name;
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) name = pw->pw_name;
    else name = "uid " + std::to_string(::getuid());
    // Under sudo the person is SUDO_USER, the account root.
    if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0' && ::getuid() == 0)
        name += " (sudo from " + std::string(sudo) + ")";
    return name;
}

std::string workstation() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

}  // namespace

std::expected<std::function<bool()>, int> open_change_gate(const char* command, const rollout_settings& settings,
                                                           const rollout_flags& flags) {
    if (settings.require_ticket && flags.change_ticket.empty()) {
        std::fprintf(stderr,
                     "fleetmend %s: this playbook requires a change ticket ([rollout] require_ticket = true); "
                     "add --change-ticket ID (nothing was changed)\n",
                     command);
        return std::unexpected(exit_bad_input);
    }
    if (settings.window.empty()) return std::function<bool()>{};
    auto window = parse_window(settings.window);
    if (!window) {
        std::fprintf(stderr, "fleetmend %s: %s\n", command, window.error().c_str());
        return std::unexpected(exit_bad_input);
    }
    auto zone = find_time_zone(window->zone);
    if (!zone) {
        std::fprintf(stderr, "fleetmend %s: %s\n", command, zone.error().c_str());
        return std::unexpected(exit_bad_input);
    }
    const auto now = window_clock::now();
    if (!window_open(*window, **zone, now)) {
        const auto opens = next_opening(*window, **zone, now);
        std::fprintf(stderr,
                     "fleetmend %s: outside the maintenance window \"%s\" (now %s); nothing was changed. %s\n", command,
                     settings.window.c_str(), describe_local(**zone, now).c_str(),
                     opens ? ("It opens next at " + describe_local(**zone, *opens) + ".").c_str()
                           : "It never opens.");
        return std::unexpected(exit_outside_window);
    }
    if (const auto closes = next_closing(*window, **zone, now))
        std::fprintf(stderr, "fleetmend %s: inside the maintenance window \"%s\" until %s; no host starts after that\n",
                     command, settings.window.c_str(), describe_local(**zone, *closes).c_str());
    return std::function<bool()>([w = *window, z = *zone] { return window_open(w, *z, window_clock::now()); });
}

run_approval make_approval(const rollout_flags& flags, const global_options& global) {
    run_approval approval;
    approval.change_ticket = flags.change_ticket;
    approval.confirmed_by = os_user();
    approval.workstation = workstation();
    approval.how = flags.yes ? "--yes" : "prompt";
    approval.command_line = global.command_line;
    approval.at = std::chrono::system_clock::now();
    return approval;
}

std::string quoted_command_line(int argc, const char* const* argv) {
    std::string line;
    for (int i = 0; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool plain = !arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                 "0123456789@%+=:,./_-") == std::string_view::npos;
        if (!line.empty()) line += ' ';
        if (plain) {
            line += arg;
            continue;
        }
        line += '\'';
        for (char c : arg) {
            if (c == '\'') line += "'\\''";
            else line += c;
        }
        line += '\'';
    }
    return line;
}

}  // namespace fleetmend::cli
