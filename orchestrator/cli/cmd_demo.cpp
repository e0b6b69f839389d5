// `fleetmend demo`: the main job end to end with nothing to set up. Starts the
// lab (a simulated Windows fleet on loopback), runs the shipped Teredo
// playbook over it as a staged rollout with live progress, writes the JSON
// report, its journal and an HTML page, and prints the recap.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/rollout_flags.hpp"
#include "orchestrator/engine/run_driver.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "orchestrator/report/render.hpp"
#include "transports/lab/lab.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string_view>

namespace fleetmend::cli {

std::string_view embedded_teredo_playbook() noexcept;  // embedded_playbook.cpp (generated)

namespace {

struct demo_options {
    unsigned hosts = 0;  // 0: the lab's default scenario (40 hosts)
    std::string report_dir = "reports";
    std::string address_base;  // empty: the scenario's, or the next free one
};

/// Loopback bases tried when the default one is taken (another lab or demo
/// runs there): 127.1.0.1, then 127.2.0.1 ... 127.9.0.1.
std::string candidate_base(unsigned attempt) { return "127." + std::to_string(attempt + 1) + ".0.1"; }

/// Starts the lab. A base the admin chose is used or refused; without one
/// the first free base wins. The error says what to do.
std::expected<std::unique_ptr<lab::lab_fleet>, std::string> start_lab(lab::lab_options settings,
                                                                      const std::string& chosen_base) {
    if (!chosen_base.empty()) {
        settings.address_base = chosen_base;
        return lab::lab_fleet::start(settings);
    }
    std::string last_error;
    for (unsigned attempt = 0; attempt < 9; ++attempt) {
        settings.address_base = candidate_base(attempt);
        auto fleet = lab::lab_fleet::start(settings);
        if (fleet) return fleet;
        last_error = fleet.error();
        if (last_error.find("another lab runs there") == std::string::npos) break;  // not a taken address
        std::printf("  %s is taken (another lab runs there?); trying %s\n", settings.address_base.c_str(),
                    candidate_base(attempt + 1).c_str());
    }
    return std::unexpected(last_error);
}

bool write_text(const std::string& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out.flush());
}

// The demo's rollout: a canary, then growing batches. It halts only when more
// than a fifth of a batch fails, so the run shows every outcome a real fleet
// has (changed, unchanged, failed, unreachable) instead of stopping at the
// lab's first planted fault; failed hosts are left for `fleetmend rollback`.
rollout_settings demo_rollout(rollout_settings settings) {
    settings.batches = {{false, 1}, {true, 25}, {true, 100}};
    settings.max_fail_percentage = 20;
    settings.on_failure = failure_policy::halt;
    return settings;
}

int run_demo(const demo_options& options, const global_options& global) {
    lab::lab_options lab_settings;
    lab_settings.hosts = options.hosts;
    std::printf("fleetmend demo: starting a simulated Windows fleet on loopback addresses...\n");
    std::fflush(stdout);
    auto fleet = start_lab(lab_settings, options.address_base);
    if (!fleet) {
        // Not a bug: the machine's addresses or limits; the message says which.
        std::fprintf(stderr, "fleetmend demo: the lab did not start: %s%s\n", fleet.error().c_str(),
                     options.address_base.empty() ? "; choose a free loopback base with --address-base 127.N.0.1"
                                                  : "; try another --address-base");
        return exit_bad_input;
    }
    const auto& lab_dir = (*fleet)->directory();
    std::printf("  %u hosts (WinRM over HTTP with NTLM sealing, HTTPS with NTLM and Basic), started in %lld ms\n"
                "  inventory: %s\n",
                (*fleet)->scenario_used().hosts, static_cast<long long>((*fleet)->startup_time().count()),
                (*fleet)->inventory_path().c_str());

    const std::string playbook_path = lab_dir + "/teredo-disable.toml";
    if (!write_text(playbook_path, embedded_teredo_playbook())) {
        std::fprintf(stderr, "fleetmend demo: cannot write %s\n", playbook_path.c_str());
        return exit_internal;
    }
    auto inv = load_inventory((*fleet)->inventory_path());
    if (!inv) {
        std::fprintf(stderr, "fleetmend demo: %s\n", inv.error().to_string().c_str());
        return exit_internal;
    }
    auto book = load_playbook(playbook_path);
    if (!book) {
        std::fprintf(stderr, "fleetmend demo: %s\n", book.error().to_string().c_str());
        return exit_internal;
    }
    book->rollout = demo_rollout(book->rollout);
    auto targets = select_hosts(*inv, book->targets);
    if (!targets) {
        std::fprintf(stderr, "fleetmend demo: %s\n", targets.error().to_string().c_str());
        return exit_internal;
    }
    if (auto resolved = resolve_target_secrets(*inv, *targets); !resolved) {
        std::fprintf(stderr, "fleetmend demo: %s\n", resolved.error().c_str());
        return exit_internal;
    }
    const auto plan = plan_targets(*targets, book->rollout, std::nullopt);
    std::printf("  playbook:  %s (%s)\n  plan:      %s\n\n", book->name.c_str(), book->description.c_str(),
                describe_plan(plan, book->rollout).c_str());
    std::fflush(stdout);

    run_started header = new_run_header(*book, *inv);

    drive_options drive;
    drive.mode = run_mode::apply;
    drive.report_dir = options.report_dir;
    drive.style = global.json ? progress_style::json
                  : isatty(STDOUT_FILENO) ? progress_style::live
                                          : progress_style::plain;
    drive.stop = &install_stop_handlers();
    auto outcome = drive_rollout(*book, plan, book->rollout, std::move(drive), std::move(header), nullptr);
    if (!outcome) {
        std::fprintf(stderr, "fleetmend demo: %s\n", outcome.error().message.c_str());
        return exit_internal;
    }

    const std::string html_path = outcome->report_path.substr(0, outcome->report_path.rfind('.')) + ".html";
    const bool html_written = write_text(html_path, render_html(outcome->report));
    text_options text;
    text.color = isatty(STDOUT_FILENO) != 0;
    text.max_listed = 12;
    std::printf("\n%s\n", render_text(outcome->report, text).c_str());
    std::printf("report:  %s\njournal: %s\n", outcome->report_path.c_str(), outcome->journal_path.c_str());
    if (html_written) std::printf("html:    %s (open it in a browser)\n", html_path.c_str());
    std::printf("\nThe lab is gone when the demo ends. To try the other commands on a lab that stays up:\n"
                "  fleetmend lab &                                   # prints its inventory path\n"
                "  fleetmend run -i <inventory> playbooks/teredo-disable.toml --check\n"
                "  fleetmend rollback -i <inventory> --from <report.json>\n");
    (*fleet)->stop();
    if (!outcome->report_note.empty()) std::fprintf(stderr, "fleetmend demo: %s\n", outcome->report_note.c_str());
    if (!outcome->report_error.empty()) {
        std::fprintf(stderr, "fleetmend demo: the report could be written nowhere: %s\n", outcome->report_error.c_str());
        return exit_records_failed;
    }
    // As `run` would: the lab plants failed and unreachable hosts, and a
    // script running the demo sees the same statuses a real run gives.
    return exit_status_for(verdict_of(outcome->result));
}

}  // namespace

void add_demo_command(CLI::App& app, const global_options& global, int& status) {
    auto options = std::make_shared<demo_options>();
    auto* sub = app.add_subcommand("demo", "Start the lab and run the Teredo playbook over it as a staged rollout");
    sub->add_option("--hosts", options->hosts, "Simulated hosts (default: the lab's default scenario, 40)")
        ->check(CLI::Range(1u, 60000u));
    sub->add_option("--report-dir", options->report_dir, "Where the report, journal and HTML page go")
        ->capture_default_str();
    sub->add_option("--address-base", options->address_base,
                    "First loopback address of the simulated hosts, e.g. 127.5.0.1 (default: 127.1.0.1, or the next "
                    "free 127.N.0.1)");
    sub->callback([options, &global, &status] { status = run_demo(*options, global); });
}

}  // namespace fleetmend::cli
