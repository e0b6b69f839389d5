// `fleetmend lab`: runs a simulated Windows fleet until SIGINT/SIGTERM and
// keeps <lab dir>/status.json (per-host counters and Teredo types) current.
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "transports/lab/lab.hpp"

#include <cstdio>
#include <thread>

namespace fleetmend::cli {
namespace {

struct lab_command_options {
    lab::lab_options lab;
    std::string status_file;
};

int run_lab(const lab_command_options& options) {
    auto fleet = lab::lab_fleet::start(options.lab);
    if (!fleet) {
        std::fprintf(stderr, "fleetmend lab: %s\n", fleet.error().c_str());
        return exit_bad_input;
    }
    const std::string status = options.status_file.empty() ? (*fleet)->directory() + "/status.json" : options.status_file;
    const auto& s = (*fleet)->scenario_used();
    std::printf("fleetmend lab: %u simulated Windows hosts (scenario \"%s\") started in %lld ms\n", s.hosts,
                s.name.c_str(), static_cast<long long>((*fleet)->startup_time().count()));
    std::printf("  inventory: %s\n  CA:        %s\n  status:    %s (per-host counters, rewritten every second)\n",
                (*fleet)->inventory_path().c_str(), (*fleet)->ca_file().c_str(), status.c_str());
    std::printf("  try:       fleetmend run -i %s playbooks/teredo-disable.toml --check\n",
                (*fleet)->inventory_path().c_str());
    std::printf("Press Ctrl-C to stop.\n");
    std::fflush(stdout);

    const auto& stop_requested = install_stop_handlers();
    while (!stop_requested) {
        if (auto w = (*fleet)->write_status(status); !w) std::fprintf(stderr, "fleetmend lab: %s\n", w.error().c_str());
        for (int i = 0; i < 10 && !stop_requested; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    (void)(*fleet)->write_status(status);
    (*fleet)->stop();
    const auto totals = (*fleet)->totals();
    std::printf("fleetmend lab: stopped (%u connections, %u authentications, %u shells, %u commands, %u applies)\n",
                totals.connections, totals.authentications, totals.shells, totals.commands, totals.applies);
    return exit_success;
}

}  // namespace

void add_lab_command(CLI::App& app, const global_options&, int& status) {
    auto options = std::make_shared<lab_command_options>();
    auto* sub = app.add_subcommand("lab", "Run a simulated Windows fleet on loopback addresses until stopped");
    sub->add_option("--hosts", options->lab.hosts, "Number of hosts (default: the scenario's)")->check(CLI::Range(1u, 60000u));
    sub->add_option("--scenario", options->lab.scenario_file, "Scenario TOML (default: the embedded one)")
        ->check(CLI::ExistingFile);
    sub->add_option("--inventory-out", options->lab.inventory_out, "Where to write the inventory");
    sub->add_option("--dir", options->lab.directory, "Lab folder (default: a new /tmp/fleetmend-lab-*)");
    sub->add_option("--address-base", options->lab.address_base, "First loopback address (default: the scenario's)");
    sub->add_option("--threads", options->lab.threads, "Threads serving every host")->check(CLI::Range(1, 64));
    sub->add_option("--keytab", options->lab.keytab, "Kerberos keytab for HTTP/<host> principals");
    sub->add_option("--status-file", options->status_file, "Status JSON (default: <lab dir>/status.json)");
    sub->callback([options, &status] { status = run_lab(*options); });
}

}  // namespace fleetmend::cli
