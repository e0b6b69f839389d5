#include "orchestrator/cli/rollout_flags.hpp"

#include "orchestrator/engine/open_files.hpp"
#include "orchestrator/engine/operator_prompt.hpp"
#include "orchestrator/engine/run_resume.hpp"
#include "orchestrator/engine/stop_signal.hpp"
#include "orchestrator/report/names.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace fleetmend::cli {

rollout_overrides rollout_flags::given() const {
    rollout_overrides result = overrides;
    if (concurrency_option && concurrency_option->count()) result.concurrency = concurrency;
    if (max_fail_option && max_fail_option->count()) result.max_fail_percentage = max_fail_percentage;
    if (seed_option && seed_option->count()) result.seed = seed;
    return result;
}

void add_rollout_flags(CLI::App& sub, rollout_flags& flags) {
    sub.add_option("--limit", flags.limit, "Only these hosts: a host pattern, or @REPORT:STATUS (e.g. @reports/x.json:failed)");
    sub.add_option_function<std::string>(
           "--shard",
           [&flags](const std::string& text) {
               auto shard = parse_shard(text);
               if (!shard) throw CLI::ValidationError(shard.error());
               flags.shard = *shard;
           },
           "Only slice K of N of the targeted hosts (after --limit, before batching), e.g. 2/3; "
           "a host's slice depends on its name only, so N workstations or job tasks split a fleet "
           "exactly; join their reports with `fleetmend report merge`")
        ->type_name("K/N");
    sub.add_option("--batches", flags.overrides.batches, "Batch sizes, counts and percentages: 1,10%,100%");
    flags.concurrency_option = sub.add_option("--concurrency", flags.concurrency, "Hosts in flight at once");
    flags.max_fail_option = sub.add_option("--max-fail-percentage", flags.max_fail_percentage,
                                           "Halt when more than this share of a batch fails (0-100)");
    sub.add_option("--on-failure", flags.overrides.on_failure, "halt | rollback-host | rollback-batch | rollback-all");
    sub.add_option("--order", flags.overrides.order, "inventory | shuffle | sorted");
    flags.seed_option = sub.add_option("--seed", flags.seed, "Seed of --order shuffle (repeats an earlier order)");
    sub.add_option("--window", flags.overrides.window,
                   "Maintenance window, e.g. \"Sat 22:00-Sun 04:00\" (local time) or \"Mon-Fri 20:00-23:00 Europe/Berlin\": "
                   "outside it nothing changes (exit 6); when it closes no new host starts and the run stays resumable");
    sub.add_option("--change-ticket", flags.change_ticket, "Change ticket the run belongs to (recorded in the report)");
    sub.add_option("--report-dir", flags.report_dir, "Where the report and the journal go")->capture_default_str();
    sub.add_flag("--yes,-y", flags.yes, "Do not ask before changing hosts");
    sub.add_flag("--step", flags.step, "Ask before each batch (needs a terminal)");
}

void print_scan_summary(const char* command, const scan_source& scan, std::size_t targeted) {
    std::string wanted;
    for (const auto& id : scan.wanted) wanted += (wanted.empty() ? "" : ",") + id;
    std::fprintf(stderr, "fleetmend %s: scan %s%s%s: %zu host%s in the export, %zu targeted, %zu not matched (never contacted)\n",
                 command, scan.path.c_str(), wanted.empty() ? "" : " findings ", wanted.c_str(), scan.scan_hosts,
                 scan.scan_hosts == 1 ? "" : "s", targeted, scan.unmatched.size());
    for (const auto& u : scan.unmatched) {
        std::string what = u.name;
        for (const auto* extra : {&u.ip, &u.fqdn})
            if (!extra->empty() && *extra != u.name) what += (what.empty() ? "" : " ") + ("(" + *extra + ")");
        std::fprintf(stderr, "  not matched: %s: %s\n", what.c_str(), u.reason.c_str());
    }
}

void print_preflight(const char* command, const preflight_summary& summary, bool stops_run) {
    std::fprintf(stderr, "fleetmend %s: preflight: %zu hosts checked in %lld ms, %zu passed, %zu failed%s\n", command,
                 summary.hosts, static_cast<long long>(summary.took.count()), summary.hosts - summary.failed.size(),
                 summary.failed.size(),
                 summary.failed.empty() ? ""
                 : stops_run           ? "; the run stops before anything changed ([rollout] preflight_failure = \"stop\")"
                                       : "; they are left out of the run (nothing was changed on them)");
    for (const auto& f : summary.failed)
        std::fprintf(stderr, "  preflight failed: %s: %s%s%s\n", f.host.c_str(), f.error ? "[" : "",
                     f.error ? (std::string(to_string(*f.error)) + "] ").c_str() : "", f.message.c_str());
}

namespace {

/// The hosts a preflight left out, as the rollout's verdicts say a host's end.
run_verdict preflight_verdict(const preflight_summary& summary) noexcept {
    if (summary.failed.empty()) return run_verdict::success;
    for (const auto& f : summary.failed)
        if (f.error != error_kind::unreachable && f.error != error_kind::timeout) return run_verdict::host_failures;
    return run_verdict::unreachable_only;
}

}  // namespace

int preflight_exit_status(const preflight_summary& summary) noexcept {
    return exit_status_for(preflight_verdict(summary));
}

namespace {
bool json_errors = false;
}  // namespace

void set_json_errors(bool on) noexcept { json_errors = on; }

int report_bad_input(const char* command, const std::string& message) {
    if (json_errors) {
        nlohmann::json error{{"event", "error"}, {"message", message}, {"exit_status", exit_bad_input}};
        if (command) error["command"] = command;
        std::printf("%s\n", error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    if (command) std::fprintf(stderr, "fleetmend %s: %s\n", command, message.c_str());
    else std::fprintf(stderr, "fleetmend: %s\n", message.c_str());
    return exit_bad_input;
}

std::string confirmation_hint(std::string_view command) {
    // Only where --check exists: resume has none (it continues a run as it was planned).
    if (command == "run") return "Add --yes to go ahead, or run with --check first to see what would change.";
    if (command == "rollback") return "Add --yes to go ahead, or add --check first to see the commands it would run.";
    return "Add --yes to go ahead.";
}

std::optional<int> confirm_change(const char* command, const std::string& what, const rollout_flags& flags) {
    if (flags.yes) return std::nullopt;
    if (!stdin_is_terminal()) {
        std::fprintf(stderr, "fleetmend %s: refusing to %s without confirmation: stdin is not a terminal. %s\n",
                     command, what.c_str(), confirmation_hint(command).c_str());
        return exit_bad_input;
    }
    if (ask_yes_no("fleetmend " + std::string(command) + ": about to " + what + ".\nContinue?")) return std::nullopt;
    std::fprintf(stderr, "fleetmend %s: cancelled; nothing was changed\n", command);
    return exit_success;
}

int exit_status_for(run_verdict verdict) noexcept {
    switch (verdict) {
        case run_verdict::journal_failed: return exit_records_failed;
        case run_verdict::window_closed: return exit_outside_window;
        case run_verdict::interrupted: return exit_interrupted;
        case run_verdict::halted: return exit_halted;
        case run_verdict::host_failures: return exit_host_failures;
        case run_verdict::unreachable_only: return exit_unreachable;
        case run_verdict::success: return exit_success;
    }
    return exit_internal;
}

namespace {

void print_recap(const drive_outcome& outcome, run_mode mode, bool resumed) {
    std::string counts;
    for (const auto status : {host_status::changed, host_status::unchanged, host_status::would_change,
                              host_status::failed, host_status::rolled_back, host_status::rollback_failed,
                              host_status::unreachable, host_status::skipped}) {
        const auto n = outcome.result.count(status);
        if (n == 0) continue;
        counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + to_string(status);
    }
    std::printf("\n%s%s: %zu hosts: %s\n", to_string(mode), resumed ? " (resumed)" : "",
                outcome.result.hosts.size(), counts.empty() ? "none" : counts.c_str());
    if (mode == run_mode::check)
        std::printf("check: a real run would change %zu host%s; nothing was changed\n",
                    outcome.result.count(host_status::would_change),
                    outcome.result.count(host_status::would_change) == 1 ? "" : "s");
    if (const auto& p = outcome.report.preflight)
        std::printf("preflight: %zu hosts checked in %lld ms, %zu passed, %zu left out\n", p->hosts,
                    static_cast<long long>(p->took.count()), p->hosts - p->failed.size(), p->failed.size());
    if (mode == run_mode::audit) {
        const auto compliant = outcome.result.count(host_status::unchanged);
        std::printf("audit: %zu of %zu hosts compliant, %zu not compliant, %zu not judged (unreachable or failed); "
                    "nothing was changed\n",
                    compliant, outcome.result.hosts.size(), outcome.result.count(host_status::would_change),
                    outcome.result.hosts.size() - compliant - outcome.result.count(host_status::would_change));
    }
    if (outcome.result.halted)
        std::printf("HALTED at batch %d: %s\n", outcome.result.halted_batch, outcome.result.halt_reason.c_str());
    if (outcome.result.window_closed)
        std::printf("WINDOW CLOSED: the maintenance window closed, hosts not started were skipped; once it opens "
                    "again, to continue: %s\n",
                    resume_command(outcome.journal_path).c_str());
    else if (outcome.result.interrupted)
        std::printf("INTERRUPTED%s: hosts not started were skipped; to continue: %s\n", resumed ? " again" : "",
                    resume_command(outcome.journal_path).c_str());
    std::printf("report:  %s\njournal: %s\n", outcome.report_path.c_str(), outcome.journal_path.c_str());
}

}  // namespace

int report_outcome(const char* command, const drive_outcome& outcome, run_mode mode, const global_options& global,
                   bool resumed) {
    // Hosts the preflight left out were not fixed: they weigh as hosts that
    // failed in the rollout would (verdicts run most serious first).
    auto verdict = verdict_of(outcome.result);
    if (const auto& p = outcome.report.preflight) verdict = std::min(verdict, preflight_verdict(*p));
    int status = exit_status_for(verdict);
    if (!outcome.report_error.empty()) status = exit_records_failed;
    if (global.json) {
        nlohmann::json done{{"event", "files"}, {"report", outcome.report_path}, {"journal", outcome.journal_path},
                            {"exit_status", status}};
        if (!outcome.report_note.empty()) done["report_note"] = outcome.report_note;
        if (!outcome.report_error.empty()) {
            // The last place left: the report itself, on stdout.
            done["report_error"] = outcome.report_error;
            done["report"] = nullptr;
            std::printf("%s\n", nlohmann::json{{"event", "report"}, {"report", report_to_json(outcome.report)}}
                                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                     .c_str());
        }
        std::printf("%s\n", done.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        print_recap(outcome, mode, resumed);
    }
    std::fflush(stdout);
    if (!outcome.report_note.empty())
        std::fprintf(stderr, "fleetmend %s: %s\n", command, outcome.report_note.c_str());
    if (!outcome.report_error.empty())
        std::fprintf(stderr,
                     "fleetmend %s: the report could be written nowhere (%s); the journal %s still holds the run: "
                     "`fleetmend report --from-journal %s -o FILE` rebuilds it once a folder has room%s\n",
                     command, outcome.report_error.c_str(), outcome.journal_path.c_str(),
                     outcome.journal_path.c_str(), global.json ? " (the report was printed above as JSON)" : "");
    if (!outcome.result.journal_error.empty())
        std::fprintf(stderr,
                     "fleetmend %s: STOPPED CHANGING HOSTS: %s. No host was changed after that: hosts in flight "
                     "finished only their reads (or rolled back by policy, their facts before being on disk), "
                     "hosts not started were skipped. Free space or fix the folder, then continue with: %s\n",
                     command, outcome.result.journal_error.c_str(), resume_command(outcome.journal_path).c_str());
    return status;
}

int drive_and_report(const char* command, const playbook& book, const planned_rollout& plan,
                     const rollout_settings& settings, run_mode mode, const rollout_flags& flags,
                     const global_options& global, run_started header,
                     const std::map<std::string, fact_map>* facts_before, std::function<bool()> window_open,
                     const std::map<std::string, fact_map>* restore_expected) {
    if (flags.step && !stdin_is_terminal())
        return report_bad_input(command, "--step asks before each batch and needs a terminal on stdin");
    header.shard = flags.shard;
    drive_options options;
    options.mode = mode;
    options.report_dir = flags.report_dir;
    options.style = global.json ? progress_style::json
                    : is_terminal(STDOUT_FILENO) ? progress_style::live
                                                 : progress_style::plain;
    options.progress_out = stdout;
    options.stop = &install_stop_handlers();
    options.restore_expected = restore_expected;
    options.window_open = std::move(window_open);
    if (flags.step)
        options.confirm_batch = [command](int batch, std::size_t hosts) {
            return ask_yes_no("\nfleetmend " + std::string(command) + ": start batch " + std::to_string(batch) +
                              " (" + std::to_string(hosts) + " host" + (hosts == 1 ? "" : "s") + ")?");
        };
    // Said before the first host, on stderr, whatever the output style; the
    // rollout applies the cap of this same reading.
    const auto capacity = measure_in_flight(settings.concurrency);
    options.in_flight = capacity.fits;
    if (const auto note = capacity.note(); !note.empty())
        std::fprintf(stderr, "fleetmend %s: %s\n", command, note.c_str());
    auto outcome = drive_rollout(book, plan, settings, std::move(options), std::move(header), facts_before);
    if (!outcome) {
        std::fprintf(stderr, "fleetmend %s: %s\n", command, outcome.error().message.c_str());
        return outcome.error().records ? exit_records_failed : exit_bad_input;
    }
    return report_outcome(command, *outcome, mode, global, false);
}

}  // namespace fleetmend::cli
