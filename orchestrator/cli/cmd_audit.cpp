// `fleetmend audit -i INVENTORY PLAYBOOK`: capture and compliance only, on
// every targeted host at once, with the same report as any run: a CI/CD gate.
// It never changes a host, so it asks nothing and ignores maintenance windows.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/operator_prompt.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "orchestrator/report/render.hpp"

#include <unistd.h>

#include <cstdio>

namespace fleetmend::cli {
namespace {

struct audit_options {
    std::string inventory_path;
    std::string playbook_path;
    std::string junit_path;
    rollout_flags rollout;
};

/// The gate's verdict (README "fleetmend audit"): not compliant, or reached
/// but not judged (a capture failed), is 2; unreachable alone is 3.
int audit_exit_status(const rollout_result& result) noexcept {
    if (result.interrupted) return exit_interrupted;
    bool unreachable = false;
    for (const auto& h : result.hosts) {
        switch (h.outcome.status) {
            case host_status::unchanged: break;
            case host_status::unreachable: unreachable = true; break;
            // not compliant, or not judged although reached (a capture failed)
            default: return exit_host_failures;
        }
    }
    return unreachable ? exit_unreachable : exit_success;
}

int run_audit(const audit_options& options, const global_options& global) {
    auto inv = load_inventory(options.inventory_path);
    if (!inv) return report_bad_input("audit", inv.error().to_string());
    auto book = load_playbook(options.playbook_path);
    if (!book) return report_bad_input("audit", book.error().to_string());
    // One batch of every host, no threshold: an audit judges them all.
    rollout_settings settings = book->rollout;
    settings.batches = {{false, 0}};
    settings.max_fail_percentage = 100;
    settings.on_failure = failure_policy::halt;
    settings.order = host_order::inventory;
    settings.pause_between_batches = {};
    if (options.rollout.concurrency_option && options.rollout.concurrency_option->count()) {
        if (options.rollout.concurrency == 0) return report_bad_input("audit", "--concurrency must be at least 1");
        settings.concurrency = options.rollout.concurrency;
    }

    scan_source scan;
    auto targets = select_targets(*inv, book->targets, options.rollout.limit, std::nullopt, &scan);
    if (!targets) return report_bad_input("audit", targets.error());
    if (!scan.path.empty()) print_scan_summary("audit", scan, targets->size());
    if (targets->empty())
        return report_bad_input("audit", "no host matches targets \"" + book->targets + "\"" +
                                             (options.rollout.limit.empty() ? "" : " with --limit \"" + options.rollout.limit + "\""));
    if (auto resolved = resolve_target_secrets(*inv, *targets); !resolved)
        return report_bad_input("audit", resolved.error());

    const auto plan = plan_targets(*targets, settings, std::uint64_t{0});
    drive_options drive;
    drive.mode = run_mode::audit;
    drive.report_dir = options.rollout.report_dir;
    drive.style = global.json ? progress_style::json
                  : is_terminal(STDOUT_FILENO) ? progress_style::live
                                               : progress_style::plain;
    drive.progress_out = stdout;
    drive.stop = &install_stop_handlers();
    run_started header = new_run_header(*book, *inv);
    if (!scan.path.empty()) header.scan = std::move(scan);
    auto outcome = drive_rollout(*book, plan, settings, std::move(drive), std::move(header), nullptr);
    if (!outcome) return report_bad_input("audit", outcome.error());
    const int printed = report_outcome("audit", *outcome, run_mode::audit, global, false);
    if (!outcome->report_error.empty()) return printed;
    if (!options.junit_path.empty()) {
        if (auto written = write_file_atomically(render_junit(outcome->report), options.junit_path); !written) {
            std::fprintf(stderr, "fleetmend audit: %s\n", written.error().c_str());
            return exit_internal;
        }
        if (!global.json) std::printf("junit:   %s\n", options.junit_path.c_str());
    }
    return audit_exit_status(outcome->result);
}

}  // namespace

void add_audit_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<audit_options>();
    auto* sub = app.add_subcommand(
        "audit", "Capture and judge compliance on every targeted host; change nothing. Exit 0: all compliant, "
                 "2: some not compliant (or not judged), 3: some unreachable and none non-compliant");
    sub->add_option("-i,--inventory", options->inventory_path, "Inventory file (TOML)")->required();
    sub->add_option("playbook", options->playbook_path, "Playbook file (TOML)")->required();
    sub->add_option("--limit", options->rollout.limit, "Only these hosts (a host pattern, @REPORT:STATUS or a scan export)");
    options->rollout.concurrency_option =
        sub->add_option("--concurrency", options->rollout.concurrency, "Hosts in flight at once");
    sub->add_option("--report-dir", options->rollout.report_dir, "Where the report and the journal go")
        ->capture_default_str();
    sub->add_option("--junit", options->junit_path, "Also write the JUnit XML rendering here (for CI test reports)");
    sub->callback([options, &global, &status] { status = run_audit(*options, global); });
}

}  // namespace fleetmend::cli
