#pragma once
/// The playbook model: capture, compliant, apply, verify and rollback steps.
#include "orchestrator/config/config_error.hpp"
#include "transports/transport.hpp"

#include <boost/regex.hpp>

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend {

enum class phase { capture, apply, verify, rollback, rollback_verify };
[[nodiscard]] const char* to_string(phase p) noexcept;

/// A regex kept with the text it came from (the text goes to reports).
struct pattern {
    std::string text;
    boost::regex compiled;
};

struct expectation {
    std::optional<int> exit_code;       // expect = { exit = 0 }
    std::optional<pattern> stdout_match;  // expect = { stdout = '...' } (search, not full match)
    std::optional<pattern> stderr_match;
    /// expect = { exit = "any" }: every exit code is fine (exit_code stays empty).
    bool any_exit = false;
};

/// A fact captured from a step's stdout: the first group of the regex,
/// or the whole match when there is no group; missing when nothing matches.
struct fact_rule {
    std::string name;  // without the capture id prefix
    pattern regex;
};

enum class probe_kind { none, teredo };
enum class probe_expectation { no_answer, answer };

struct step {
    phase in_phase = phase::capture;
    std::string id;     // capture steps: prefix of their facts ("teredo" -> "teredo.type")
    std::string name;   // shown in reports; defaults to id or the command
    std::string run;    // command template; empty for probes
    shell_kind shell = shell_kind::cmd;
    probe_kind probe = probe_kind::none;
    probe_expectation probe_expect = probe_expectation::no_answer;
    expectation expect;
    std::vector<fact_rule> facts;
    std::chrono::milliseconds timeout{0};  // 0: the host's command_timeout
    int retries = 0;                       // extra attempts after the first
    std::chrono::milliseconds delay{0};    // between attempts
    std::string hint;  // shown with a failure of this step: what the admin should do (templated)
    /// A variable name: the step runs only where {{vars.NAME}} is not empty
    /// (an optional smoke test); elsewhere it is recorded as not run.
    std::string only_if_set;
    int line = 0;      // where it was declared, for messages
};

enum class failure_policy { halt, rollback_host, rollback_batch, rollback_all };
enum class host_order { inventory, shuffle, sorted };

/// One entry of `batches`: a host count or a percentage of the targeted hosts.
struct batch_size {
    bool percent = false;
    unsigned value = 1;
};

struct rollout_settings {
    std::vector<batch_size> batches{{false, 0}};  // {0} means: all hosts in one batch
    unsigned concurrency = 50;
    double max_fail_percentage = 0;
    failure_policy on_failure = failure_policy::halt;
    host_order order = host_order::inventory;
    std::chrono::milliseconds pause_between_batches{0};
    /// Maintenance window (maintenance_window.hpp syntax); empty: any time.
    /// Only runs that change hosts heed it.
    std::string window;
    /// A run that changes hosts needs --change-ticket.
    bool require_ticket = false;
    /// Connect, authenticate and check elevation on every host before the
    /// first batch of a run that changes hosts; none: off.
    std::optional<bool> preflight;
    /// A host failing preflight is left out (exclude) or stops the run (stop).
    bool preflight_stops_run = false;
};

struct playbook {
    std::string path;
    std::string name;
    std::string description;
    std::string platform;  // windows | linux
    std::string targets;   // host pattern
    rollout_settings rollout;
    std::vector<step> capture;
    std::map<std::string, std::string> compliant;  // "teredo.type" -> "disabled"
    std::vector<step> apply;
    std::vector<step> verify;
    std::vector<step> rollback;
    pattern safe_fact_pattern;  // default ^[A-Za-z0-9_.:-]+$
    /// [vars]: defaults for {{vars.NAME}}; a host's (inventory) vars win.
    std::map<std::string, std::string> vars;
};

/// The vars a host's commands see: the playbook's defaults, then the host's.
[[nodiscard]] std::map<std::string, std::string> vars_for(const playbook& book,
                                                          const std::map<std::string, std::string>& host_vars);

[[nodiscard]] std::expected<playbook, config_error> load_playbook(const std::string& path);

/// Values a command template may use.
struct template_values {
    std::map<std::string, std::string> facts;  // "teredo.type" -> "client"
    std::map<std::string, std::string> vars;
    std::string host_name;
};

/// Fills {{fact}}, {{host.name}} and {{vars.NAME}}. A fact that does not match
/// the safe pattern, or an unknown name, is an error: remote output never
/// becomes code.
[[nodiscard]] std::expected<std::string, std::string> render_command(
    const std::string& command_template, const template_values& values, const pattern& safe_fact);

/// Applies a capture step's fact rules to its stdout ("id.name" -> value).
[[nodiscard]] std::map<std::string, std::string> extract_facts(const step& capture_step,
                                                               const std::string& stdout_text);

}  // namespace fleetmend
