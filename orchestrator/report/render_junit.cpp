// JUnit XML for CI pipelines: a batch is a suite, a host is a test case.
#include "orchestrator/report/escape.hpp"
#include "orchestrator/report/render.hpp"
#include "orchestrator/report/render_context.hpp"

#include <cstdio>

namespace fleetmend {
namespace {

std::string attr(const std::string& text) { return "\"" + xml_escape(text) + "\""; }

std::string seconds(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms.count()) / 1000.0);
    return buf;
}

std::chrono::milliseconds span(const std::optional<wall_time>& from, const std::optional<wall_time>& to) {
    if (!from || !to) return std::chrono::milliseconds{0};
    return std::chrono::duration_cast<std::chrono::milliseconds>(*to - *from);
}

struct suite_counts {
    int tests = 0, failures = 0, errors = 0, skipped = 0;
};

enum class verdict { passed, skipped, error, failure };

/// unreachable hosts are errors (the test could not run); failed ones and,
/// outside a rollback run, rolled-back ones are failures (the remediation did
/// not hold), so a CI job goes red. A rollback run's restored host passed.
verdict verdict_of(const host_report& h, run_mode mode) {
    const auto word = status_word(h);
    if (word == "skipped") return verdict::skipped;
    // In an audit a host that is not compliant fails: that is what the gate is for.
    if (mode == run_mode::audit && word == "would-change") return verdict::failure;
    if (word == "unreachable" || word == "unfinished") return verdict::error;
    return is_failure(h, mode) ? verdict::failure : verdict::passed;
}

void count(suite_counts& c, const host_report& h, run_mode mode) {
    ++c.tests;
    switch (verdict_of(h, mode)) {
        case verdict::skipped: ++c.skipped; break;
        case verdict::error: ++c.errors; break;
        case verdict::failure: ++c.failures; break;
        case verdict::passed: break;
    }
}

std::string steps_text(const host_report& h, run_mode mode) {
    std::string out;
    for (const auto& s : h.steps) {
        out += std::string("[") + phase_name(s.in_phase) + "] " + s.name + ": " + s.command + " -> " +
               (s.exit_code ? "exit " + std::to_string(*s.exit_code) : std::string("no exit code")) +
               (s.ok ? ", ok" : ", FAILED") + ", " + std::to_string(s.attempts) + " attempt(s), " +
               seconds(s.duration) + "s" + (step_note(s).empty() ? "" : " (" + step_note(s) + ")") + "\n";
    }
    const bool restored = mode == run_mode::rollback && h.finished && h.status == host_status::rolled_back;
    const auto changes = restored ? restored_text(h) : changes_text(h);
    if (!changes.empty()) out += (restored ? "restored: " : "changes: ") + changes + "\n";
    return out;
}

std::string testcase(const run_report& r, const host_report& h, const std::string& classname, run_mode mode) {
    std::string out = "    <testcase classname=" + attr(classname) + " name=" + attr(h.name) +
                      " time=" + attr(seconds(span(h.started, h.ended))) + ">\n";
    const auto word = status_word(h);
    out += "      <properties>\n";
    out += "        <property name=\"status\" value=" + attr(word) + "/>\n";
    out += "        <property name=\"address\" value=" + attr(h.address) + "/>\n";
    if (const auto findings = findings_text(r, h); !findings.empty())
        out += "        <property name=\"findings\" value=" + attr(findings) + "/>\n";
    for (const auto& [name, value] : h.facts_before)
        out += "        <property name=" + attr("before." + name) + " value=" + attr(value) + "/>\n";
    for (const auto& [name, value] : h.facts_after)
        out += "        <property name=" + attr("after." + name) + " value=" + attr(value) + "/>\n";
    out += "      </properties>\n";
    const auto* step = failed_step(h);
    const std::string message = failure_message(h);
    std::string detail = message;
    if (step && !step->stderr_excerpt.empty()) detail += "\nstderr:\n" + step->stderr_excerpt;
    if (step && !cut_off_output(*step).empty()) detail += "\nstdout before it was cut off:\n" + std::string(cut_off_output(*step));
    else if (step && !step->stdout_excerpt.empty()) detail += "\nstdout:\n" + step->stdout_excerpt;
    const auto judged = verdict_of(h, mode);
    if (judged == verdict::skipped) {
        out += "      <skipped message=" + attr(h.message.empty() ? "not attempted" : h.message) + "/>\n";
    } else if (judged == verdict::error) {
        const std::string type = h.error ? to_string(*h.error) : word;
        const std::string shown = word == "unfinished" && h.in_flight
                                      ? "outcome unknown: " + h.in_flight->name + " was running"
                                      : message;
        out += "      <error type=" + attr(type) + " message=" + attr(shown) + ">" + xml_escape(detail) +
               "</error>\n";
    } else if (judged == verdict::failure) {
        const std::string type = mode == run_mode::audit && word == "would-change" ? std::string("non-compliant") : word;
        out += "      <failure type=" + attr(type) + " message=" + attr(message) + ">" + xml_escape(detail) +
               "</failure>\n";
    }
    if (!h.steps.empty()) out += "      <system-out>" + xml_escape(steps_text(h, mode)) + "</system-out>\n";
    out += "    </testcase>\n";
    return out;
}

}  // namespace

std::string render_junit(const run_report& r) {
    std::string suites;
    suite_counts total;
    std::vector<bool> placed(r.hosts.size(), false);
    // The run's provenance (ticket, who confirmed it, scan) on every suite:
    // CI systems show suite properties, not those of <testsuites>.
    std::string suite_properties;
    for (const auto& row : context_rows(r))
        suite_properties += "    <property name=" + attr(row.label) + " value=" + attr(row.text) + "/>\n";
    if (!suite_properties.empty()) suite_properties = "    <properties>\n" + suite_properties + "    </properties>\n";
    auto emit_suite = [&](const std::string& name, const std::vector<const host_report*>& hosts,
                          const std::optional<wall_time>& started, const std::optional<wall_time>& finished) {
        suite_counts c;
        std::string cases;
        const std::string classname = "fleetmend." + r.run_id;
        for (const auto* h : hosts) {
            count(c, *h, r.mode);
            cases += testcase(r, *h, classname, r.mode);
        }
        total.tests += c.tests;
        total.failures += c.failures;
        total.errors += c.errors;
        total.skipped += c.skipped;
        suites += "  <testsuite name=" + attr(name) + " tests=\"" + std::to_string(c.tests) + "\" failures=\"" +
                  std::to_string(c.failures) + "\" errors=\"" + std::to_string(c.errors) + "\" skipped=\"" +
                  std::to_string(c.skipped) + "\" time=" + attr(seconds(span(started, finished))) +
                  (started ? " timestamp=" + attr(format_time(*started)) : std::string()) + ">\n" + suite_properties +
                  cases + "  </testsuite>\n";
    };
    for (const auto& b : r.batches) {
        std::vector<const host_report*> members;
        for (std::size_t i = 0; i < r.hosts.size(); ++i) {
            if (!placed[i] && r.hosts[i].batch == b.batch && (b.run_id.empty() || b.run_id == r.hosts[i].run_id)) {
                members.push_back(&r.hosts[i]);
                placed[i] = true;
            }
        }
        std::string name = "batch " + std::to_string(b.batch);
        if (!b.run_id.empty()) name += " of " + b.run_id;
        if (b.halted) name += " (halted: " + b.reason + ")";
        emit_suite(name, members, b.started, b.finished);
    }
    std::vector<const host_report*> rest;
    for (std::size_t i = 0; i < r.hosts.size(); ++i)
        if (!placed[i]) rest.push_back(&r.hosts[i]);
    if (!rest.empty()) emit_suite("hosts outside any batch", rest, r.started, r.finished);

    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=" +
           attr("fleetmend " + std::string(to_string(r.mode)) + " " + r.run_id) + " tests=\"" +
           std::to_string(total.tests) + "\" failures=\"" + std::to_string(total.failures) + "\" errors=\"" +
           std::to_string(total.errors) + "\" skipped=\"" + std::to_string(total.skipped) +
           "\" time=" + attr(seconds(span(r.started, r.finished))) + ">\n" + suites + "</testsuites>\n";
}

}  // namespace fleetmend
