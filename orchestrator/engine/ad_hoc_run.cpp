#include "orchestrator/engine/ad_hoc_run.hpp"

#include "orchestrator/engine/event_fan_out.hpp"

#include <algorithm>
#include <memory>

namespace fleetmend {

playbook ad_hoc_playbook(const std::string& command, shell_kind shell, std::chrono::milliseconds timeout) {
    playbook book;
    book.name = "exec";
    book.description = "an ad-hoc command";
    book.platform = shell == shell_kind::sh ? "linux" : "windows";
    step s;
    s.in_phase = phase::apply;
    s.name = "exec";
    s.run = command;
    s.shell = shell;
    s.expect.exit_code = 0;
    s.timeout = timeout;
    book.apply.push_back(std::move(s));
    // No capture means no fact to check; {{host.name}} and {{vars.X}} still fill.
    book.safe_fact_pattern = pattern{"^[A-Za-z0-9_.:-]+$", boost::regex("^[A-Za-z0-9_.:-]+$")};
    return book;
}

shell_kind default_ad_hoc_shell(const std::vector<const host_entry*>& targets) noexcept {
    const bool all_ssh = !targets.empty() && std::ranges::all_of(targets, [](const host_entry* h) {
        return h->connection.kind == transport_kind::ssh;
    });
    return all_ssh ? shell_kind::sh : shell_kind::cmd;
}

namespace {

/// A host a second signal cut off before its command started has no step
/// and, like every cut-off host, no host_finished (a rollout's journal keeps
/// it in flight for a resume). Exec keeps no journal, so its answer says
/// what happened. Returns how many hosts that was.
std::size_t explain_stopped_connects(const rollout_result& result, run_report& report) {
    std::size_t count = 0;
    for (const auto& h : result.hosts) {
        if (!h.outcome.cut_off) continue;
        auto it = std::ranges::find_if(report.hosts, [&](const host_report& r) { return r.name == h.host->name; });
        if (it == report.hosts.end() || !it->steps.empty()) continue;
        if (it->message.empty())
            it->message = "stopped by the operator (a second signal) while connecting; the command was not started";
        ++count;
    }
    return count;
}

}  // namespace

ad_hoc_outcome run_ad_hoc(const std::vector<const host_entry*>& targets, const ad_hoc_options& options,
                          run_started header) {
    const shell_kind shell = options.shell ? *options.shell : default_ad_hoc_shell(targets);
    const playbook book = ad_hoc_playbook(options.command, shell, options.timeout);

    rollout_options rollout;
    rollout.mode = run_mode::apply;
    rollout.settings.batches = {{false, 0}};  // every host in one batch
    rollout.settings.concurrency = std::max(1u, options.concurrency);
    rollout.settings.max_fail_percentage = 100;  // a failure stops nothing
    rollout.settings.on_failure = failure_policy::halt;
    rollout.stop = options.stop;
    rollout.cancel = options.cancel;
    rollout.excerpt_bytes = ad_hoc_excerpt_bytes;

    report_builder report;
    std::unique_ptr<run_progress> progress;
    if (options.progress_out) progress = std::make_unique<run_progress>(options.style, options.progress_out);
    event_fan_out sinks({&report, progress.get()});
    rollout_executor executor(book, sinks, rollout, options.make_transport);
    ad_hoc_outcome outcome;
    outcome.result = executor.run({targets}, std::move(header));
    if (progress) progress->end_line();
    outcome.report = report.snapshot();
    outcome.stopped_connecting = explain_stopped_connects(outcome.result, outcome.report);
    return outcome;
}

}  // namespace fleetmend
