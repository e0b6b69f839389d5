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

/// Failed, unreachable, rolled-back, rollback-failed and unfinished hosts.
[[nodiscard]] bool is_failure(const host_report& host);
/// Changed and would-change hosts (their facts moved or would).
[[nodiscard]] bool is_change(const host_report& host);
/// The last step that did not hold, if any.
[[nodiscard]] const step_record* failed_step(const host_report& host);
/// What a step cut off by a transport error (a timeout, a dropped connection)
/// printed on stdout before it was; empty for any other step. The failure
/// views show it beside stderr: it says where a hung command stopped.
[[nodiscard]] std::string_view cut_off_output(const step_record& step);
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
