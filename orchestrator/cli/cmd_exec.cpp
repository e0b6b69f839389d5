// `fleetmend exec -i INV --limit P [--shell cmd|powershell|sh] -- COMMAND`:
// one ad-hoc command on every targeted host, then the answers grouped (hosts
// with identical output shown once). Nothing is journalled: it cannot be
// rolled back, and it says so.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/config/quantities.hpp"
#include "orchestrator/engine/operator_prompt.hpp"
#include "orchestrator/engine/abortable_work.hpp"
#include "orchestrator/engine/ad_hoc_run.hpp"
#include "orchestrator/engine/run_driver.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "orchestrator/report/output_groups.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace fleetmend::cli {
namespace {

struct exec_options {
    std::string inventory_path;
    std::string limit;
    std::string shell;
    std::vector<std::string> command;
    unsigned concurrency = 50;
    std::string timeout;
    std::string report_dir;  // empty: no report
};

std::optional<shell_kind> parse_shell(const std::string& text) {
    if (text == "cmd") return shell_kind::cmd;
    if (text == "powershell") return shell_kind::powershell;
    if (text == "sh") return shell_kind::sh;
    return std::nullopt;
}

std::string join_command(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

void print_summary(const ad_hoc_outcome& outcome, bool json, int status) {
    std::size_t ok = 0, failed = 0, unreachable = 0, other = 0;
    for (const auto& h : outcome.report.hosts) {
        const auto word = status_word(h);
        if (word == "changed") ++ok;
        else if (word == "failed") ++failed;
        else if (word == "unreachable") ++unreachable;
        else ++other;
    }
    if (json) {
        const nlohmann::json done{{"event", "exec_done"}, {"hosts", outcome.report.hosts.size()}, {"exit_0", ok},
                                  {"failed", failed}, {"unreachable", unreachable}, {"recorded_for_rollback", false},
                                  {"exit_status", status}};
        std::printf("%s\n", done.dump().c_str());
        return;
    }
    std::printf("\nexec: %zu hosts: %zu exit 0, %zu failed, %zu unreachable%s\n", outcome.report.hosts.size(), ok,
                failed, unreachable, other ? (", " + std::to_string(other) + " not run").c_str() : "");
}

int run_exec(const exec_options& options, const global_options& global) {
    if (options.command.empty()) return report_bad_input("exec", "no command: put it after --, e.g. -- hostname");
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("exec", inv.error().to_string());
    std::optional<shell_kind> shell;
    if (!options.shell.empty()) {
        shell = parse_shell(options.shell);
        if (!shell) return report_bad_input("exec", "--shell " + options.shell + ": use cmd, powershell or sh");
    }
    std::chrono::milliseconds timeout{0};
    if (!options.timeout.empty()) {
        const auto parsed = parse_duration(options.timeout);
        if (!parsed || parsed->count() <= 0)
            return report_bad_input("exec", "--timeout " + options.timeout + ": write a duration such as 30s or 2m");
        timeout = *parsed;
    }
    if (options.concurrency == 0) return report_bad_input("exec", "--concurrency must be at least 1");
    auto targets = select_targets(*inv, "all", options.limit);
    if (!targets) return report_bad_input("exec", targets.error());
    if (targets->empty())
        return report_bad_input("exec", "no host matches --limit \"" + options.limit + "\"; nothing to do");
    if (auto resolved = resolve_target_secrets(*inv, *targets); !resolved) return report_bad_input("exec", resolved.error());

    const std::string command = join_command(options.command);
    if (!global.json)
        std::fprintf(stderr,
                     "fleetmend exec: running on %zu host%s; an ad-hoc command is not recorded for rollback "
                     "(no journal, no captured facts): `fleetmend rollback` cannot undo it\n",
                     targets->size(), targets->size() == 1 ? "" : "s");

    ad_hoc_options run;
    run.command = command;
    run.shell = shell;
    run.timeout = timeout;
    run.concurrency = options.concurrency;
    run.style = is_terminal(STDERR_FILENO) ? progress_style::live : progress_style::plain;
    // Progress goes to stderr so stdout holds only the answers (or JSON).
    run.progress_out = global.json ? nullptr : stderr;
    stop_notes_without_journal();
    run.stop = &install_stop_handlers();

    run_started header;
    header.run_id = make_run_id();
    header.tool_version = FLEETMEND_VERSION;
    header.playbook_path = "exec: " + command;
    header.inventory_path = inv->path;
    header.inventory_sha256 = sha256_file(inv->path);
    // A second signal stops the commands in flight on their hosts (nothing
    // is left running there) and still shows what every host answered.
    std::stop_source cancel;
    run.cancel = cancel.get_token();
    ad_hoc_outcome outcome;
    const bool aborted = run_abortable(
        cancel, [&] { outcome = run_ad_hoc(*targets, run, std::move(header)); },
        [] {
            std::fflush(stdout);
            std::fprintf(stderr,
                         "fleetmend exec: aborted by a second signal; the commands in flight were cancelled but did "
                         "not end within %lld s, so the process ends with them still open on their hosts\n",
                         static_cast<long long>(abort_grace.count()));
            std::fflush(stderr);
            std::_Exit(exit_interrupted);
        });

    if (global.json) {
        for (const auto& line : host_outputs_json(outcome.report))
            std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        std::fputs(render_output_groups(group_outputs(outcome.report), is_terminal(STDOUT_FILENO)).c_str(), stdout);
    }
    int status = exit_status_for(verdict_of(outcome.result));
    print_summary(outcome, global.json, status);
    if (aborted) {
        const std::size_t connecting = outcome.stopped_connecting;
        const std::size_t commands = outcome.result.cut_off() - connecting;
        std::string note = "fleetmend exec: aborted by a second signal";
        if (commands > 0)
            note += "; " + std::to_string(commands) + (commands == 1 ? " command in flight was stopped on its host"
                                                                    : " commands in flight were stopped on their hosts") +
                    " (command ended, shell closed); what " + (commands == 1 ? "it" : "they") + " printed so far is above";
        if (connecting > 0)
            note += "; " + std::to_string(connecting) + (connecting == 1 ? " host was" : " hosts were") +
                    " still connecting and never started the command";
        std::fflush(stdout);
        std::fprintf(stderr, "%s\n", note.c_str());
    }
    if (!options.report_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(options.report_dir, ec);
        const auto path = (std::filesystem::path(options.report_dir) / (outcome.report.run_id + ".json")).string();
        if (auto written = write_report_file(outcome.report, path); !written) {
            std::fprintf(stderr, "fleetmend exec: the report could not be written: %s\n", written.error().c_str());
            if (status == exit_success) status = exit_internal;
        } else if (global.json) {
            std::printf("%s\n", nlohmann::json{{"event", "files"}, {"report", path}, {"exit_status", status}}.dump().c_str());
        } else {
            std::printf("report:  %s\n", path.c_str());
        }
    }
    return status;
}

}  // namespace

void add_exec_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<exec_options>();
    auto* sub = app.add_subcommand("exec", "Run one ad-hoc command on the targeted hosts and group identical answers "
                                           "(not recorded for rollback)");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("--limit,-l", options->limit, "Which hosts: a host pattern, or @REPORT:STATUS")->required();
    sub->add_option("--shell", options->shell, "cmd | powershell | sh (default: sh when every host is SSH, else cmd)");
    sub->add_option("--concurrency", options->concurrency, "Hosts in flight at once")->capture_default_str();
    sub->add_option("--timeout", options->timeout, "Per-host command timeout, e.g. 30s (default: the inventory's command_timeout)");
    sub->add_option("--report-dir", options->report_dir, "Also write a JSON report of the answers into this folder");
    sub->add_option("command", options->command, "The command, after --")->required();
    sub->callback([options, &global, &status] { status = run_exec(*options, global); });
}

}  // namespace fleetmend::cli
