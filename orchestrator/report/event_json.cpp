#include "orchestrator/report/event_json.hpp"

#include "orchestrator/report/json_read.hpp"
#include "orchestrator/report/run_context_json.hpp"

#include <charconv>

namespace fleetmend {

using nlohmann::json;
using namespace json_read;

namespace {

json batch_size_to_json(const batch_size& b) {
    if (b.percent) return std::to_string(b.value) + "%";
    return b.value;
}

batch_size read_batch_size(const json& v) {
    if (v.is_number_unsigned()) return {false, v.get<unsigned>()};
    if (v.is_string()) {
        const auto s = v.get<std::string>();
        unsigned value = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec == std::errc{} && p + 1 == s.data() + s.size() && *p == '%') return {true, value};
    }
    fail("batches[]", "a host count such as 10 or a percentage such as \"10%\"");
}

std::vector<std::vector<std::string>> read_plan(const json& j) {
    const auto& v = field(j, "batches");
    if (!v.is_array()) fail("batches", "an array of arrays of host names");
    std::vector<std::vector<std::string>> plan;
    for (const auto& batch : v) {
        if (!batch.is_array()) fail("batches[]", "an array of host names");
        auto& names = plan.emplace_back();
        for (const auto& name : batch) {
            if (!name.is_string()) fail("batches[][]", "a host name");
            names.push_back(name.get<std::string>());
        }
    }
    return plan;
}

struct to_json_visitor {
    json& out;
    void operator()(const run_started& e) const {
        out["run_id"] = e.run_id;
        out["mode"] = to_string(e.mode);
        out["tool_version"] = e.tool_version;
        out["playbook_path"] = e.playbook_path;
        out["playbook_sha256"] = e.playbook_sha256;
        out["inventory_path"] = e.inventory_path;
        out["inventory_sha256"] = e.inventory_sha256;
        out["source_report"] = e.source_report;
        if (!e.source_report_sha256.empty()) out["source_report_sha256"] = e.source_report_sha256;
        if (!e.forced.empty()) out["forced"] = e.forced;
        if (e.shard) out["shard"] = shard_to_json(*e.shard);
        out["rollout"] = rollout_to_json(e.rollout);
        out["batches"] = e.batches;
        if (e.scan) out["scan"] = scan_source_to_json(*e.scan, true);
        if (e.approval) out["approval"] = approval_to_json(*e.approval);
        if (e.preflight) out["preflight"] = preflight_to_json(*e.preflight);
        out["at"] = format_time(e.at);
    }
    void operator()(const batch_started& e) const {
        out["batch"] = e.batch;
        out["at"] = format_time(e.at);
    }
    void operator()(const host_started& e) const {
        out["host"] = e.host;
        out["address"] = e.address;
        out["transport"] = transport_name(e.transport);
        out["batch"] = e.batch;
        out["at"] = format_time(e.at);
    }
    void operator()(const step_started& e) const {
        out["host"] = e.host;
        out["phase"] = phase_name(e.in_phase);
        out["name"] = e.name;
        out["at"] = format_time(e.at);
    }
    void operator()(const step_finished& e) const {
        out["host"] = e.host;
        out["step"] = step_to_json(e.step);
    }
    void operator()(const facts_captured& e) const {
        out["host"] = e.host;
        out["before"] = e.before;
        out["facts"] = e.facts;
    }
    void operator()(const host_finished& e) const {
        out["host"] = e.host;
        out["status"] = to_string(e.status);
        out["error_kind"] = error_kind_or_null(e.error);
        out["message"] = e.message;
        out["at"] = format_time(e.at);
        out["connection"] = connection_to_json(e.connection);
    }
    void operator()(const batch_finished& e) const {
        out["batch"] = e.batch;
        out["failures"] = e.failures;
        out["unreachable"] = e.unreachable;
        out["halted"] = e.halted;
        out["reason"] = e.reason;
        out["at"] = format_time(e.at);
    }
    void operator()(const run_finished& e) const {
        out["interrupted"] = e.interrupted;
        out["at"] = format_time(e.at);
    }
    void operator()(const host_transition& e) const {
        out["host"] = e.host;
        out["from"] = to_string(e.from);
        out["to"] = to_string(e.to);
        out["cause"] = e.cause;
        out["at"] = format_time(e.at);
    }
};

constexpr const char* host_phase_words =
    "a lifecycle phase (connect, capture, compliant, apply, verify, rollback, recapture, done)";

constexpr const char* host_status_words =
    "a host status (changed, unchanged, would-change, failed, rolled-back, rollback-failed, unreachable, skipped)";

run_event read_event(const json& j) {
    const auto name = str(j, "event");
    if (name == "run_started") {
        run_started e;
        e.run_id = str(j, "run_id");
        e.mode = word<run_mode>(j, "mode", parse_run_mode, "apply, check, rollback or audit");
        e.tool_version = str(j, "tool_version");
        e.playbook_path = str(j, "playbook_path");
        e.playbook_sha256 = str(j, "playbook_sha256");
        e.inventory_path = str(j, "inventory_path");
        e.inventory_sha256 = str(j, "inventory_sha256");
        e.source_report = str_or_empty(j, "source_report");
        e.source_report_sha256 = str_or_empty(j, "source_report_sha256");
        e.forced = str_or_empty(j, "forced");
        e.shard = optional_shard(j);
        e.rollout = read_rollout(field(j, "rollout"));
        e.batches = read_plan(j);
        if (const auto it = j.find("scan"); it != j.end()) e.scan = read_scan_source(*it);
        if (const auto it = j.find("approval"); it != j.end()) e.approval = read_approval(*it);
        if (const auto it = j.find("preflight"); it != j.end()) e.preflight = read_preflight(*it);
        e.at = time(j, "at");
        return e;
    }
    if (name == "batch_started") return batch_started{integer<int>(j, "batch"), time(j, "at")};
    if (name == "host_started") {
        return host_started{str(j, "host"), str(j, "address"),
                            word<transport_kind>(j, "transport", parse_transport, "winrm or ssh"),
                            integer<int>(j, "batch"), time(j, "at")};
    }
    if (name == "step_started") {
        return step_started{str(j, "host"),
                            word<phase>(j, "phase", parse_phase, "capture, apply, verify, rollback or rollback-verify"),
                            str(j, "name"), time(j, "at")};
    }
    if (name == "step_finished") return step_finished{str(j, "host"), read_step(field(j, "step"))};
    if (name == "facts_captured") return facts_captured{str(j, "host"), boolean(j, "before"), facts(j, "facts")};
    if (name == "host_finished") {
        host_finished e{str(j, "host"), word<host_status>(j, "status", parse_host_status, host_status_words),
                        optional_error_kind(j, "error_kind"), str(j, "message"), time(j, "at")};
        // A journal written before the figures were recorded has none.
        if (auto it = j.find("connection"); it != j.end()) e.connection = read_connection(*it);
        return e;
    }
    if (name == "batch_finished") {
        batch_finished e{integer<int>(j, "batch"), integer<int>(j, "failures"), boolean(j, "halted"),
                         str(j, "reason"), time(j, "at")};
        // A journal written before the split was recorded has none.
        if (j.contains("unreachable")) e.unreachable = integer<int>(j, "unreachable");
        return e;
    }
    if (name == "run_finished") return run_finished{boolean(j, "interrupted"), time(j, "at")};
    if (name == "host_transition") {
        return host_transition{str(j, "host"), word<host_phase>(j, "from", parse_host_phase, host_phase_words),
                               word<host_phase>(j, "to", parse_host_phase, host_phase_words), str(j, "cause"),
                               time(j, "at")};
    }
    fail("event", "a known event name (run_started, batch_started, host_started, step_started, step_finished, "
                  "facts_captured, host_finished, batch_finished, run_finished, host_transition), not '" + name + "'");
}

}  // namespace

namespace json_read {

step_record read_step(const json& j) {
    step_record s;
    s.in_phase = word<phase>(j, "phase", parse_phase, "capture, apply, verify, rollback or rollback-verify");
    s.name = str(j, "name");
    s.command = str(j, "command");
    const auto& code = field(j, "exit_code");
    if (!code.is_null()) {
        if (!code.is_number_integer()) fail("exit_code", "an integer or null");
        s.exit_code = code.get<int>();
    }
    s.stdout_excerpt = str(j, "stdout_excerpt");
    s.stderr_excerpt = str(j, "stderr_excerpt");
    s.stdout_total_bytes = integer<std::uint64_t>(j, "stdout_total_bytes");
    s.stderr_total_bytes = integer<std::uint64_t>(j, "stderr_total_bytes");
    s.attempts = integer<int>(j, "attempts");
    s.started = time(j, "started");
    s.duration = std::chrono::milliseconds{integer<std::int64_t>(j, "duration_ms")};
    s.ok = boolean(j, "ok");
    s.error = optional_error_kind(j, "error_kind");
    s.message = str(j, "message");
    if (j.contains("reused_from")) s.reused_from = str(j, "reused_from");
    return s;
}

rollout_settings read_rollout(const json& j) {
    rollout_settings r;
    const auto& batches = field(j, "batches");
    if (!batches.is_array() || batches.empty()) fail("batches", "a non-empty array such as [1, \"10%\", \"100%\"]");
    r.batches.clear();
    for (const auto& b : batches) r.batches.push_back(read_batch_size(b));
    r.concurrency = integer<unsigned>(j, "concurrency");
    const auto& p = field(j, "max_fail_percentage");
    if (!p.is_number()) fail("max_fail_percentage", "a number");
    r.max_fail_percentage = p.get<double>();
    r.on_failure = word<failure_policy>(j, "on_failure", parse_failure_policy,
                                        "halt, rollback-host, rollback-batch or rollback-all");
    r.order = word<host_order>(j, "order", parse_host_order, "inventory, shuffle or sorted");
    r.pause_between_batches = std::chrono::milliseconds{integer<std::int64_t>(j, "pause_between_batches_ms")};
    r.window = str_or_empty(j, "window");
    if (const auto it = j.find("require_ticket"); it != j.end()) r.require_ticket = boolean(j, "require_ticket");
    return r;
}

}  // namespace json_read

const char* event_name(const run_event& event) noexcept {
    static constexpr const char* names[] = {"run_started",   "batch_started",  "host_started",
                                            "step_started",  "step_finished",  "facts_captured",
                                            "host_finished", "batch_finished", "run_finished",
                                            "host_transition"};
    static_assert(std::size(names) == std::variant_size_v<run_event>);
    return names[event.index()];
}

json event_to_json(const run_event& event) {
    json out = json::object();
    out["event"] = event_name(event);
    std::visit(to_json_visitor{out}, event);
    return out;
}

std::expected<run_event, std::string> event_from_json(const json& j) {
    try {
        return read_event(j);
    } catch (const std::exception& e) {
        return std::unexpected(std::string("event: ") + e.what());
    }
}

json step_to_json(const step_record& s) {
    json out{{"phase", phase_name(s.in_phase)},
                {"name", s.name},
                {"command", s.command},
                {"exit_code", s.exit_code ? json(*s.exit_code) : json(nullptr)},
                {"stdout_excerpt", s.stdout_excerpt},
                {"stderr_excerpt", s.stderr_excerpt},
                {"stdout_total_bytes", s.stdout_total_bytes},
                {"stderr_total_bytes", s.stderr_total_bytes},
                {"attempts", s.attempts},
                {"started", format_time(s.started)},
                {"duration_ms", s.duration.count()},
                {"ok", s.ok},
                {"error_kind", error_kind_or_null(s.error)},
                {"message", s.message}};
    if (!s.reused_from.empty()) out["reused_from"] = s.reused_from;
    return out;
}

std::expected<step_record, std::string> step_from_json(const json& j) {
    try {
        return read_step(j);
    } catch (const std::exception& e) {
        return std::unexpected(std::string("step: ") + e.what());
    }
}

json rollout_to_json(const rollout_settings& r) {
    json batches = json::array();
    for (const auto& b : r.batches) batches.push_back(batch_size_to_json(b));
    json out{{"batches", batches},
             {"concurrency", r.concurrency},
             {"max_fail_percentage", r.max_fail_percentage},
             {"on_failure", failure_policy_name(r.on_failure)},
             {"order", host_order_name(r.order)},
             {"pause_between_batches_ms", r.pause_between_batches.count()}};
    // Only when set: a resumed run must heed the same window.
    if (!r.window.empty()) out["window"] = r.window;
    if (r.require_ticket) out["require_ticket"] = true;
    return out;
}

std::expected<rollout_settings, std::string> rollout_from_json(const json& j) {
    try {
        return read_rollout(j);
    } catch (const std::exception& e) {
        return std::unexpected(std::string("rollout: ") + e.what());
    }
}

}  // namespace fleetmend
