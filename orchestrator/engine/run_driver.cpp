#include "orchestrator/engine/run_driver.hpp"

#include "orchestrator/engine/abortable_work.hpp"
#include "orchestrator/engine/open_files.hpp"

#include "orchestrator/config/maintenance_window.hpp"
#include "orchestrator/engine/rollout_plan.hpp"
#include "orchestrator/engine/run_resume.hpp"
#include "orchestrator/engine/run_session.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "orchestrator/journal/machine_lock.hpp"
#include "orchestrator/report/names.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <stop_token>

#include <unistd.h>

namespace fleetmend {

std::expected<void, std::string> apply_overrides(const rollout_overrides& flags, rollout_settings& settings) {
    if (!flags.batches.empty()) {
        auto batches = parse_batches_flag(flags.batches);
        if (!batches) return std::unexpected(batches.error());
        settings.batches = std::move(*batches);
    }
    if (!flags.on_failure.empty()) {
        const auto policy = parse_failure_policy(flags.on_failure);
        if (!policy)
            return std::unexpected("--on-failure " + flags.on_failure +
                                   ": use halt, rollback-host, rollback-batch or rollback-all");
        settings.on_failure = *policy;
    }
    if (!flags.order.empty()) {
        const auto order = parse_host_order(flags.order);
        if (!order) return std::unexpected("--order " + flags.order + ": use inventory, shuffle or sorted");
        settings.order = *order;
    }
    if (!flags.window.empty()) {
        auto window = parse_window(flags.window);
        if (!window) return std::unexpected("--window: " + window.error());
        if (auto zone = find_time_zone(window->zone); !zone) return std::unexpected("--window: " + zone.error());
        settings.window = flags.window;
    }
    if (flags.concurrency) {
        if (*flags.concurrency == 0) return std::unexpected("--concurrency must be at least 1");
        settings.concurrency = *flags.concurrency;
    }
    if (flags.max_fail_percentage) {
        // NaN compares false both ways: only a finite number is a percentage.
        if (!std::isfinite(*flags.max_fail_percentage) || *flags.max_fail_percentage < 0 ||
            *flags.max_fail_percentage > 100)
            return std::unexpected("--max-fail-percentage must be a number between 0 and 100");
        settings.max_fail_percentage = *flags.max_fail_percentage;
    }
    return {};
}

planned_rollout plan_targets(const std::vector<const host_entry*>& targets, const rollout_settings& settings,
                             std::optional<std::uint64_t> seed) {
    std::vector<std::string> names;
    names.reserve(targets.size());
    for (const auto* host : targets) names.push_back(host->name);
    const std::uint64_t used_seed = seed ? *seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    const auto plan = plan_rollout(names, settings, used_seed);
    planned_rollout result;
    result.seed = plan.seed;
    result.host_count = targets.size();
    for (const auto& batch : plan.batches) {
        auto& hosts = result.batches.emplace_back();
        for (const auto index : batch) hosts.push_back(targets[index]);
    }
    return result;
}

std::string describe_plan(const planned_rollout& plan, const rollout_settings& settings) {
    std::string sizes;
    const std::size_t shown = std::min<std::size_t>(plan.batches.size(), 8);
    for (std::size_t i = 0; i < shown; ++i) sizes += (i ? ", " : "") + std::to_string(plan.batches[i].size());
    if (shown < plan.batches.size()) sizes += ", ...";
    // The figures of a cap are said once, on stderr before the first host
    // (drive_and_report); the plan line says only that it applies.
    const auto capacity = measure_in_flight(settings.concurrency);
    std::string at_a_time = std::to_string(capacity.fits) + " at a time";
    if (capacity.capped())
        at_a_time += " (of --concurrency " + std::to_string(capacity.requested) + ": the open-files limit)";
    return fmt::format("{} host{} in {} batch{} ({}), {}, order {}, on failure {}, at most {}% failed per batch",
                       plan.host_count, plan.host_count == 1 ? "" : "s", plan.batches.size(),
                       plan.batches.size() == 1 ? "" : "es", sizes, at_a_time, host_order_name(settings.order),
                       failure_policy_name(settings.on_failure), settings.max_fail_percentage);
}

std::expected<void, std::string> resolve_target_secrets(inventory& inv, const std::vector<const host_entry*>& targets) {
    std::vector<host_entry*> owned;
    for (auto& host : inv.hosts)
        if (std::find(targets.begin(), targets.end(), &host) != targets.end()) owned.push_back(&host);
    auto resolved = resolve_secrets(owned);
    if (!resolved) return std::unexpected(resolved.error().to_string());
    return {};
}

namespace {

/// Runs `work` on the session's sink with a second signal turned into an
/// orderly abort (run_abortable), then writes the report.
drive_outcome drive_in_session(run_session& session, const drive_options& options, std::stop_source& cancel,
                               const std::function<rollout_result()>& work) {
    drive_outcome outcome;
    outcome.aborted = run_abortable(
        cancel, [&] { outcome.result = work(); },
        [&session, &options] {
            session.end_progress();
            const auto written = session.write_interrupted();
            std::fflush(stdout);
            if (!written)
                std::fprintf(stderr, "fleetmend: aborted; the report could not be written: %s\n",
                             written.error().c_str());
            std::fprintf(stderr,
                         "fleetmend: aborted by a second signal; steps in flight were cancelled but did not end "
                         "within %lld s, so the process ends with their commands still open on the hosts (resume "
                         "captures their hosts again)\nreport:  %s\njournal: %s\nto continue: %s\n",
                         static_cast<long long>(abort_grace.count()), session.report_path().c_str(),
                         session.journal_path().c_str(), resume_command(session.journal_path()).c_str());
            std::fflush(stderr);
            std::_Exit(options.abort_exit_status);
        });
    session.end_progress();
    outcome.report_path = session.report_path();
    outcome.journal_path = session.journal_path();
    auto report = session.finish();
    outcome.report_path = session.report_path();
    outcome.report_note = session.report_note();
    if (report) {
        outcome.report = std::move(*report);
    } else {
        outcome.report_error = report.error();
        outcome.report = session.snapshot();
    }
    if (outcome.aborted) {
        const std::size_t cut_off = outcome.result.cut_off();
        std::fflush(stdout);
        std::fprintf(stderr,
                     "fleetmend: aborted by a second signal; %zu step%s in flight %s stopped on the hosts (command "
                     "ended, shell closed) and %s unfinished: resume captures %s again\n",
                     cut_off, cut_off == 1 ? "" : "s", cut_off == 1 ? "was" : "were",
                     cut_off == 1 ? "its host stays" : "their hosts stay", cut_off == 1 ? "it" : "them");
        std::fflush(stderr);
    }
    return outcome;
}

/// One owner per machine: the lock of every targeted host's address and
/// port, held while the run lives. A check changes nothing and takes none.
std::expected<std::optional<machine_locks>, std::string> lock_hosts(const planned_rollout& plan, run_mode mode,
                                                                   const run_started& header,
                                                                   const std::string& report_dir) {
    if (mode == run_mode::check || mode == run_mode::audit) return std::optional<machine_locks>{};
    std::vector<std::string> machines;
    for (const auto& batch : plan.batches)
        for (const host_entry* host : batch) {
            const auto& c = host->connection;
            const unsigned port = c.port != 0                    ? c.port
                                  : c.kind == transport_kind::ssh ? 22u
                                  : c.winrm.scheme == winrm_scheme::https ? 5986u
                                                                          : 5985u;
            machines.push_back(machine_key(c.address.empty() ? host->name : c.address, port));
        }
    auto lock = machine_locks::acquire(machines, header.run_id,
                                       "pid " + std::to_string(::getpid()) + ", " + to_string(mode) + " run " +
                                           header.run_id + ", reports in " + report_dir + ", inventory " +
                                           header.inventory_path);
    if (!lock) return std::unexpected(lock.error());
    return std::optional<machine_locks>(std::move(*lock));
}

rollout_options rollout_options_for(const rollout_settings& settings, drive_options& options,
                                    std::stop_token cancel) {
    rollout_options rollout;
    rollout.cancel = std::move(cancel);
    rollout.mode = options.mode;
    rollout.settings = settings;
    rollout.stop = options.stop;
    rollout.confirm_batch = std::move(options.confirm_batch);
    rollout.restore_expected = options.restore_expected;
    rollout.window_open = std::move(options.window_open);
    rollout.in_flight = options.in_flight;
    return rollout;
}

}  // namespace

std::expected<drive_outcome, drive_error> drive_rollout(const playbook& book, const planned_rollout& plan,
                                                        const rollout_settings& settings, drive_options options,
                                                        run_started header,
                                                        const std::map<std::string, fact_map>* facts_before) {
    auto hosts_lock = lock_hosts(plan, options.mode, header, options.report_dir);
    if (!hosts_lock) return std::unexpected(drive_error{hosts_lock.error()});
    auto session = run_session::open(options.report_dir, header.run_id, options.style, options.progress_out,
                                     journal_reserve_estimate(plan.host_count, book, default_excerpt_bytes));
    if (!session) return std::unexpected(drive_error{session.error(), session_error_is_records(session.error())});
    std::stop_source cancel;
    rollout_executor executor(book, (*session)->sink(), rollout_options_for(settings, options, cancel.get_token()),
                              std::move(options.make_transport), std::move(options.probe));
    return drive_in_session(**session, options, cancel, [&] {
        return facts_before ? executor.restore(plan.batches, *facts_before, std::move(header))
                            : executor.run(plan.batches, std::move(header));
    });
}

std::expected<drive_outcome, drive_error> drive_resume(const playbook& book, const planned_rollout& plan,
                                                       const resume_state& state, drive_options options,
                                                       run_lock lock, const std::string& journal_path,
                                                       const std::map<std::string, fact_map>* facts_before) {
    auto hosts_lock = lock_hosts(plan, state.header.mode, state.header,
                                 std::filesystem::path(journal_path).parent_path().string());
    if (!hosts_lock) return std::unexpected(drive_error{hosts_lock.error()});
    auto session = run_session::reopen(std::move(lock), journal_path, state.events, options.style,
                                       options.progress_out,
                                       journal_reserve_estimate(plan.host_count, book, default_excerpt_bytes));
    if (!session) return std::unexpected(drive_error{session.error(), session_error_is_records(session.error())});
    options.mode = state.header.mode;
    std::stop_source cancel;
    rollout_executor executor(book, (*session)->sink(),
                              rollout_options_for(state.header.rollout, options, cancel.get_token()),
                              std::move(options.make_transport), std::move(options.probe));
    return drive_in_session(**session, options, cancel,
                            [&] { return executor.resume(plan.batches, state, state.header, facts_before); });
}

run_started new_run_header(const playbook& book, const inventory& inv) {
    run_started header;
    header.run_id = make_run_id();
    header.tool_version = FLEETMEND_VERSION;
    header.playbook_path = book.path;
    header.playbook_sha256 = sha256_file(book.path);
    header.inventory_path = inv.path;
    header.inventory_sha256 = sha256_file(inv.path);
    return header;
}

}  // namespace fleetmend
