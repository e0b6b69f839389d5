#include "orchestrator/engine/step_runner.hpp"

#include "orchestrator/engine/expectation_evidence.hpp"
#include "orchestrator/report/host_lifecycle.hpp"

#include <optional>
#include <thread>

namespace fleetmend {
namespace {

wall_time now_wall() { return std::chrono::system_clock::now(); }

std::string step_display_name(const step& s) {
    if (!s.name.empty()) return s.name;
    if (!s.id.empty()) return s.id;
    if (s.probe == probe_kind::teredo) return "teredo probe";
    return s.run;
}

std::string host_address(const host_entry& host) {
    return host.connection.address.empty() ? host.name : host.connection.address;
}

std::string with_hint(std::string message, const step& s, const template_values& values,
                      const pattern& safe_fact) {
    if (s.hint.empty()) return message;
    // A hint that cannot be rendered is still worth showing as written.
    const auto rendered = render_command(s.hint, values, safe_fact);
    message += "; hint: ";
    message += rendered ? *rendered : s.hint;
    return message;
}

struct attempt_result {
    bool ok = false;
    bool transport_failed = false;
    std::string message;
    std::string stdout_text;  // whole, for facts; the record keeps an excerpt
};

bool reads_only(phase in_phase) {
    return in_phase == phase::capture || in_phase == phase::verify || in_phase == phase::rollback_verify;
}

void keep_output(const exec_result& result, const step_context& context, step_record& record) {
    record.stdout_excerpt = bounded_excerpt(result.stdout_text, context.excerpt_bytes);
    record.stderr_excerpt = bounded_excerpt(result.stderr_text, context.excerpt_bytes);
    record.stdout_total_bytes = std::max<std::uint64_t>(result.stdout_total_bytes, result.stdout_text.size());
    record.stderr_total_bytes = std::max<std::uint64_t>(result.stderr_total_bytes, result.stderr_text.size());
}

attempt_result judge(exec_result result, const step& s, const step_context& context, step_record& record) {
    record.error.reset();
    record.exit_code = result.exit_code;
    keep_output(result, context, record);
    std::string miss = expectation_miss(s.expect, result);
    return {miss.empty(), false, std::move(miss), std::move(result.stdout_text)};
}

/// "1m30s", "2s", "500ms": a duration as the inventory writes it.
std::string duration_words(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms % 1000 != 0) return std::to_string(ms) + "ms";
    const auto s = ms / 1000;
    if (s >= 60 && s % 60 == 0) return std::to_string(s / 60) + "m";
    if (s >= 60) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
    return std::to_string(s) + "s";
}

/// Why a command was cut off. A timeout names the timeout that was set (not
/// how long stopping the command took); a command that may change the host
/// says that the change may have landed, since nobody saw it finish.
std::string cut_off_message(const transport_error& error, const step& s, std::chrono::milliseconds timeout,
                            phase in_phase) {
    std::string message = std::string(to_string(error.kind)) + ": ";
    if (error.kind == error_kind::timeout)
        message += "the command did not finish within its configured timeout of " + duration_words(timeout) + " (" +
                   (s.timeout.count() > 0 ? "the step's timeout" : "the host's command_timeout") +
                   ") and was stopped; raise it if the command is just slow";
    else
        message += error.message;
    if (!reads_only(in_phase))
        message += "; the command was cut off before it finished, so its change may have landed: the host's state "
                   "is unknown until it is captured again";
    return message;
}

attempt_result run_command_attempt(const std::string& command, const step& s,
                                   const step_context& context, step_record& record) {
    const auto timeout = s.timeout.count() > 0 ? s.timeout : context.host.connection.command_timeout;
    // Before the host may change: even a cut-off apply leaves it unknown.
    if (context.recent && !reads_only(record.in_phase)) context.recent->forget();
    auto result = context.remote->run(command, s.shell, clock_type::now() + timeout);
    if (!result) {
        record.exit_code.reset();
        record.error = result.error().kind;
        // A command cut off (timeout, dropped connection) keeps what it printed:
        // where a hung command stopped is what the administrator looks for.
        static const exec_result nothing_printed{};
        const auto& partial = result.error().partial;
        keep_output(partial ? *partial : nothing_printed, context, record);
        return {false, true, cut_off_message(result.error(), s, timeout, record.in_phase)};
    }
    if (context.recent && reads_only(record.in_phase)) context.recent->remember(s.shell, command, *result, record.name);
    return judge(std::move(*result), s, context, record);
}

/// A capture step whose command ran since the host last changed: that output,
/// judged by this step's expectation, stands for running it again.
std::optional<attempt_result> reuse_recent_output(const std::string& command, const step& s,
                                                  const step_context& context, step_record& record) {
    if (!context.recent || record.in_phase != phase::capture) return std::nullopt;
    const auto* earlier = context.recent->find(s.shell, command);
    if (!earlier) return std::nullopt;
    record.attempts = 0;
    record.reused_from = earlier->step_name;
    return judge(earlier->result, s, context, record);
}

attempt_result run_probe_attempt(const step& s, const step_context& context, step_record& record) {
    auto result = context.probe(host_address(context.host));
    if (!result) {
        record.error = result.error().kind;
        return {false, true, std::string(to_string(result.error().kind)) + ": " + result.error().message};
    }
    record.error.reset();
    record.stdout_excerpt = bounded_excerpt(result->detail, context.excerpt_bytes);
    record.stdout_total_bytes = result->detail.size();
    const bool want_answer = s.probe_expect == probe_expectation::answer;
    if (result->answered == want_answer) return {true, false, {}};
    if (result->answered)
        return {false, false, "a Teredo server answered from " + result->answered_from +
                                  " although none was expected"};
    return {false, false, "no Teredo server answered on UDP " + host_address(context.host) +
                              " although one was expected"};
}

/// The lifecycle phase a step of `in_phase` belongs to, for the journal rule.
/// `only_if_set` names a variable this host leaves empty: the step is not run.
bool skipped_as_unset(const step& s, const template_values& values) {
    if (s.only_if_set.empty()) return false;
    const auto it = values.vars.find(s.only_if_set);
    return it == values.vars.end() || it->second.empty();
}

host_phase lifecycle_phase_of(phase in_phase) {
    switch (in_phase) {
        case phase::apply: return host_phase::apply;
        case phase::rollback: return host_phase::rollback;
        case phase::verify: return host_phase::verify;
        default: return host_phase::capture;
    }
}

/// Waits out a retry delay; a stop request ends it early (false: stopping).
bool wait_retry_delay(std::chrono::milliseconds delay, const std::atomic<bool>* stop) {
    const auto until = clock_type::now() + delay;
    while (clock_type::now() < until) {
        if (stop && stop->load(std::memory_order_relaxed)) return false;
        std::this_thread::sleep_for(std::min<clock_type::duration>(std::chrono::milliseconds(50),
                                                                    until - clock_type::now()));
    }
    return !(stop && stop->load(std::memory_order_relaxed));
}

}  // namespace

transport_factory default_transport_factory() {
    return [](const connection_settings& settings) { return make_transport(settings); };
}

teredo_probe_function default_teredo_probe() {
    return [](const std::string& address) { return probe_teredo(address, teredo_probe_options{}); };
}

std::string bounded_excerpt(const std::string& text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t end = limit;
    // Step back over UTF-8 continuation bytes so the excerpt stays valid text.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

std::string expectation_miss(const expectation& expect, const exec_result& result) {
    const bool has_pattern = expect.stdout_match || expect.stderr_match;
    const int wanted_exit = expect.exit_code.value_or(0);
    // Without `exit`, an output pattern decides alone; with neither, exit 0 is wanted.
    const bool exit_decides = !expect.any_exit && (expect.exit_code || !has_pattern);
    if (exit_decides && result.exit_code != wanted_exit) {
        // The line that explains the exit code travels with it (progress
        // lines, recap, report): stderr's last, or stdout's (netsh's refusals).
        const auto& said = last_line(result.stderr_text).empty() ? result.stdout_text : result.stderr_text;
        const auto line = last_line(said);
        return "exit code " + std::to_string(result.exit_code) + ", expected " + std::to_string(wanted_exit) +
               (line.empty() ? "" : std::string(&said == &result.stderr_text ? "; stderr: '" : "; stdout: '") + line + "'");
    }
    // The line that was meant to match says more than the regex alone.
    auto mismatch = [](const char* stream, const pattern& p, const std::string& text) {
        const auto line = line_meant_to_match(text, p.text);
        return std::string(stream) + " does not match '" + p.text + "'; " +
               (line.empty() ? std::string(stream) + " was empty" : "the line meant to match reads '" + line + "'");
    };
    if (expect.stdout_match && !boost::regex_search(result.stdout_text, expect.stdout_match->compiled))
        return mismatch("stdout", *expect.stdout_match, result.stdout_text);
    if (expect.stderr_match && !boost::regex_search(result.stderr_text, expect.stderr_match->compiled))
        return mismatch("stderr", *expect.stderr_match, result.stderr_text);
    return {};
}

step_outcome run_step(const step& s, phase in_phase, const template_values& values,
                      const step_context& context) noexcept {
    step_outcome outcome;
    step_record& record = outcome.record;
    record.in_phase = in_phase;
    record.name = step_display_name(s);
    record.started = now_wall();
    const auto started = clock_type::now();
    try {
        const bool is_probe = s.probe != probe_kind::none;
        std::expected<std::string, std::string> command =
            is_probe ? std::expected<std::string, std::string>("probe teredo " + host_address(context.host))
                     : render_command(s.run, values, context.safe_fact);
        context.sink.publish(step_started{context.host.name, in_phase, record.name, record.started});
        // After step_started, which a changing step waits on: is it on disk?
        const auto recorded = refused_without_journal(lifecycle_phase_of(in_phase), context.facts_before_durable)
                                  ? context.sink.record_health()
                                  : std::expected<void, std::string>{};
        if (skipped_as_unset(s, values)) {
            // Nothing to test here: recorded as not run, which is not a failure.
            record.command = command ? *command : s.run;
            record.attempts = 0;
            record.ok = true;
            record.message = "not run: vars." + s.only_if_set + " is empty for this host (set it to run this step)";
        } else if (!recorded) {
            record.command = command ? *command : s.run;
            record.attempts = 0;
            record.message = "not run: the journal cannot record it (" + recorded.error() + ")";
            outcome.refused_unrecorded = true;
        } else if (!command) {
            record.command = s.run;  // the template: the rendered text does not exist
            record.attempts = 0;
            record.message = with_hint("template: " + command.error() + " (nothing was run)", s,
                                       values, context.safe_fact);
        } else {
            record.command = *command;
            const int attempts = 1 + std::max(0, s.retries);
            attempt_result last;
            auto reused = is_probe ? std::nullopt : reuse_recent_output(*command, s, context, record);
            if (reused && !reused->ok) {  // the host itself decides a miss, with the step's retries
                reused.reset();
                record.reused_from.clear();
            }
            if (reused) last = std::move(*reused);
            bool stopping = false;
            for (int attempt = 1; !reused && attempt <= attempts; ++attempt) {
                if (attempt > 1) {
                    if (stopping) break;  // asked to stop: the attempt after the cut delay was the last
                    stopping = s.delay.count() > 0 ? !wait_retry_delay(s.delay, context.stop)
                                                   : context.stop && context.stop->load(std::memory_order_relaxed);
                }
                record.attempts = attempt;
                last = is_probe ? run_probe_attempt(s, context, record)
                      : context.remote ? run_command_attempt(*command, s, context, record)
                                       : attempt_result{false, true, "no connection to run on"};
                if (last.ok) break;
                if (record.error == error_kind::cancelled) break;  // the operator stopped it: no retry
            }
            record.ok = last.ok;
            outcome.transport_failed = last.transport_failed;
            if (!last.ok) {
                std::string message = last.message;
                if (record.attempts > 1)
                    message += " (after " + std::to_string(record.attempts) + " attempts)";
                record.message = with_hint(std::move(message), s, values, context.safe_fact);
            } else if (in_phase == phase::capture || in_phase == phase::rollback_verify) {
                outcome.facts = extract_facts(s, last.stdout_text);
            }
        }
    } catch (const std::exception& e) {
        record.ok = false;
        record.message = std::string("internal error while running the step: ") + e.what();
    }
    record.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    try {
        context.sink.publish(step_finished{context.host.name, record});
    } catch (...) {
        // A sink that fails (full disk) must not take the host down with it;
        // the journal/report writers log their own errors.
    }
    return outcome;
}

}  // namespace fleetmend
