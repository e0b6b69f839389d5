#pragma once
/// Renderings of a report, from the report alone (pure: data in, text out).
/// Every one escapes remote text for its medium; none can show a secret
/// because the report holds none.
#include "orchestrator/report/names.hpp"
#include "orchestrator/report/report.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

/// A fact whose value differs between before and after ("?" when unknown).
struct fact_change {
    std::string name, before, after;
};
/// Facts that changed; for a host without after-facts, every before-fact
/// with "?" as after (the apply outcome was not captured).
[[nodiscard]] std::vector<fact_change> fact_changes(const host_report& host);
/// "teredo.type: client -> disabled; teredo.policy: ..." (raw, unescaped).
[[nodiscard]] std::string changes_text(const host_report& host);

/// "teredo.type = client; ..." (raw): the facts a rollback put back.
[[nodiscard]] std::string restored_text(const host_report& host);
/// Failed, unreachable, rollback-failed and unfinished hosts, and rolled-back
/// ones except in a rollback run: there restoring is the goal, so a restored
/// host succeeded (as the exit status says).
[[nodiscard]] bool is_failure(const host_report& host, run_mode mode);
/// Changed and would-change hosts (their facts moved or would), and in a
/// rollback run the rolled-back ones (their facts were put back).
[[nodiscard]] bool is_change(const host_report& host, run_mode mode);
/// The last step that did not hold, if any.
[[nodiscard]] const step_record* failed_step(const host_report& host);
/// What a step cut off by a transport error (a timeout, a dropped connection)
/// printed on stdout before it was; empty for any other step. The failure
/// views show it beside stderr: it says where a hung command stopped.
[[nodiscard]] std::string_view cut_off_output(const step_record& step);
/// The last `lines` non-empty lines of a text, trimmed, raw.
[[nodiscard]] std::vector<std::string> last_lines_of(std::string_view text, std::size_t lines);
/// The last lines (up to `lines`, non-empty, raw) that explain why a step
/// failed: stderr's, or stdout's when stderr is empty (netsh and many
/// Windows tools print their refusal on stdout). Empty for a step that held.
[[nodiscard]] std::vector<std::string> failure_evidence(const step_record& step, std::size_t lines = 3);
/// The host's message followed by the evidence of its failed step that the
/// message does not already quote: "exit code 1, expected 0 — The requested
/// operation requires elevation." (raw, unescaped; one line).
[[nodiscard]] std::string failure_message(const host_report& host);
/// The exit status `fleetmend` gave this run (README "Exit status"): 5
/// interrupted, 4 halted, 2 a host failed, 3 only unreachable ones, else 0;
/// and its meaning in words.
[[nodiscard]] int run_exit_status(const run_report& report);
[[nodiscard]] std::string run_exit_meaning(const run_report& report);
/// Whole seconds and milliseconds between two times, "8.250s"; "" if either is missing.
[[nodiscard]] std::string duration_text(const std::optional<wall_time>& from, const std::optional<wall_time>& to);

struct text_options {
    bool color = false;             // ANSI colours (a terminal)
    std::size_t max_listed = 200;   // failures and changes listed before "... and N more"
};
/// The terminal recap: header, counts per status, batches, failures first
/// (with their message and stderr), then the changed hosts' before -> after.
[[nodiscard]] std::string render_text(const run_report& report, const text_options& options = {});
[[nodiscard]] std::string render_markdown(const run_report& report);
/// JUnit XML: one testsuite per batch, one testcase per host, steps in system-out.
[[nodiscard]] std::string render_junit(const run_report& report);
/// One self-contained HTML page: no network fetches, inline CSS/JS/SVG; the
/// host table is drawn page by page from embedded JSON (usable at 10,000 hosts).
[[nodiscard]] std::string render_html(const run_report& report);

}  // namespace fleetmend
