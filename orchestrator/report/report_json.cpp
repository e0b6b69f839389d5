#include "orchestrator/config/bounded_file.hpp"
#include "orchestrator/report/event_json.hpp"
#include "orchestrator/report/json_read.hpp"
#include "orchestrator/report/run_context_json.hpp"
#include "orchestrator/report/report.hpp"

#include <fstream>
#include <functional>
#include <string_view>
#include <sstream>

namespace fleetmend {

using nlohmann::json;
using namespace json_read;

namespace {

json batch_to_json(const batch_report& b) {
    json j{{"batch", b.batch},
           {"hosts", b.hosts},
           {"started", time_or_null(b.started)},
           {"finished", time_or_null(b.finished)},
           {"failures", b.failures},
           {"halted", b.halted},
           {"reason", b.reason}};
    if (!b.run_id.empty()) j["run_id"] = b.run_id;
    return j;
}

json host_to_json(const host_report& h, const run_report& r) {
    json steps = json::array();
    for (const auto& s : h.steps) steps.push_back(step_to_json(s));
    json j{{"name", h.name},
           {"address", h.address},
           {"transport", h.transport ? json(transport_name(*h.transport)) : json(nullptr)},
           {"batch", h.batch},
           {"status", status_word(h)},
           {"finished", h.finished},
           {"started", time_or_null(h.started)},
           {"ended", time_or_null(h.ended)},
           {"facts_before", h.facts_before},
           {"facts_after", h.facts_after},
           {"steps", steps},
           {"error_kind", error_kind_or_null(h.error)},
           {"error", h.message}};
    if (h.in_flight) {
        j["unfinished_step"] = json{{"phase", phase_name(h.in_flight->in_phase)},
                                    {"name", h.in_flight->name},
                                    {"started", format_time(h.in_flight->started)}};
    }
    if (!h.finished && h.lifecycle_phase) j["lifecycle_phase"] = to_string(*h.lifecycle_phase);
    if (!h.run_id.empty()) j["run_id"] = h.run_id;
    if (h.finished) j["connection"] = connection_to_json(h.connection);
    if (r.scan) {
        const auto found = r.scan->findings.find(h.name);
        j["findings"] = findings_to_json(found == r.scan->findings.end() ? std::vector<scan_finding>{} : found->second);
        j["findings_closed"] = findings_closed(h, r.mode);
    }
    return j;
}

const json& array_field(const json& j, const char* key) {
    const auto& v = field(j, key);
    if (!v.is_array()) fail(key, "an array");
    return v;
}

std::vector<std::string> names(const json& j, const char* key) {
    std::vector<std::string> out;
    for (const auto& v : array_field(j, key)) {
        if (!v.is_string()) fail(key, "an array of host names");
        out.push_back(v.get<std::string>());
    }
    return out;
}

batch_report read_batch(const json& j) {
    batch_report b;
    b.batch = integer<int>(j, "batch");
    b.hosts = names(j, "hosts");
    b.started = optional_time(j, "started");
    b.finished = optional_time(j, "finished");
    b.failures = integer<int>(j, "failures");
    b.halted = boolean(j, "halted");
    b.reason = str(j, "reason");
    b.run_id = str_or_empty(j, "run_id");
    return b;
}

host_report read_host(const json& j) {
    host_report h;
    h.name = str(j, "name");
    h.address = str(j, "address");
    if (!field(j, "transport").is_null()) h.transport = word<transport_kind>(j, "transport", parse_transport, "winrm or ssh");
    h.batch = integer<int>(j, "batch");
    h.finished = boolean(j, "finished");
    const auto word_text = str(j, "status");
    if (auto s = parse_host_status(word_text)) {
        h.status = *s;
    } else if (word_text != "unfinished") {
        fail("status", "a host status or \"unfinished\"");
    }
    h.started = optional_time(j, "started");
    h.ended = optional_time(j, "ended");
    h.facts_before = facts(j, "facts_before");
    h.facts_after = facts(j, "facts_after");
    for (const auto& s : array_field(j, "steps")) h.steps.push_back(read_step(s));
    h.error = optional_error_kind(j, "error_kind");
    h.message = str(j, "error");
    if (auto it = j.find("unfinished_step"); it != j.end() && !it->is_null()) {
        h.in_flight = unfinished_step{
            word<phase>(*it, "phase", parse_phase, "capture, apply, verify, rollback or rollback-verify"),
            str(*it, "name"), time(*it, "started")};
    }
    if (auto it = j.find("lifecycle_phase"); it != j.end() && !it->is_null())
        h.lifecycle_phase = word<host_phase>(j, "lifecycle_phase", parse_host_phase,
                                             "a lifecycle phase (connect, capture, ..., done)");
    h.run_id = str_or_empty(j, "run_id");
    if (auto it = j.find("connection"); it != j.end()) h.connection = read_connection(*it);
    return h;
}

run_report read_report(const json& j) {
    if (!j.is_object()) fail("(top level)", "a JSON object");
    run_report r;
    r.schema = str(j, "schema");
    if (r.schema != report_schema_id)
        fail("schema", std::string("\"") + report_schema_id + "\" (this is \"" + r.schema +
                           "\"; use the fleetmend version that wrote it)");
    r.run_id = str(j, "run_id");
    r.mode = word<run_mode>(j, "mode", parse_run_mode, "apply, check, rollback or audit");
    r.tool_version = str(j, "tool_version");
    const auto& pb = field(j, "playbook");
    r.playbook = {str(pb, "path"), str(pb, "sha256")};
    const auto& inv = field(j, "inventory");
    r.inventory = {str(inv, "path"), str(inv, "sha256")};
    r.source_report = str_or_empty(j, "source_report");
    r.forced = str_or_empty(j, "forced");
    r.shard = optional_shard(j);
    r.started = optional_time(j, "started");
    r.finished = optional_time(j, "finished");
    r.complete = boolean(j, "complete");
    r.interrupted = boolean(j, "interrupted");
    const auto& rollout = field(j, "rollout");
    r.rollout = read_rollout(field(rollout, "settings"));
    for (const auto& b : array_field(rollout, "batches")) r.batches.push_back(read_batch(b));
    for (const auto& h : array_field(j, "hosts")) r.hosts.push_back(read_host(h));
    if (const auto it = j.find("scan"); it != j.end()) {
        r.scan = read_scan_source(*it);
        for (const auto& h : array_field(j, "hosts"))
            if (const auto f = h.find("findings"); f != h.end()) {
                // Every host of a scan-targeted run carries the key; only the
                // hosts the scan named have findings, as in the run's model.
                if (auto list = read_findings(*f); !list.empty()) r.scan->findings[str(h, "name")] = std::move(list);
            }
    }
    if (const auto it = j.find("approval"); it != j.end()) r.approval = read_approval(*it);
    if (const auto it = j.find("preflight"); it != j.end()) r.preflight = read_preflight(*it);
    if (auto it = j.find("sources"); it != j.end()) {
        for (const auto& s : array_field(j, "sources"))
            r.sources.push_back({str(s, "run_id"), str(s, "path"), optional_shard(s),
                                 s.contains("approval") ? std::optional(read_approval(s["approval"])) : std::nullopt});
    }
    // The summary is derived data: recompute rather than trust a hand edit.
    r.recount();
    return r;
}

/// Everything but the hosts: small whatever the fleet size.
json report_head_to_json(const run_report& r) {
    json batches = json::array();
    for (const auto& b : r.batches) batches.push_back(batch_to_json(b));
    json j{{"schema", r.schema},
           {"run_id", r.run_id},
           {"mode", to_string(r.mode)},
           {"tool_version", r.tool_version},
           {"playbook", {{"path", r.playbook.path}, {"sha256", r.playbook.sha256}}},
           {"inventory", {{"path", r.inventory.path}, {"sha256", r.inventory.sha256}}},
           {"source_report", r.source_report},
           {"started", time_or_null(r.started)},
           {"finished", time_or_null(r.finished)},
           {"complete", r.complete},
           {"interrupted", r.interrupted},
           {"rollout", {{"settings", rollout_to_json(r.rollout)}, {"batches", batches}}},
           {"summary", r.summary},
           {"hosts", json::array()}};
    if (r.shard) j["shard"] = shard_to_json(*r.shard);
    if (!r.forced.empty()) j["forced"] = r.forced;
    if (r.scan) {
        j["scan"] = scan_source_to_json(*r.scan, false);
        int closed = 0, open = 0;
        for (const auto& h : r.hosts) {
            if (!r.scan->findings.contains(h.name)) continue;
            ++(findings_closed(h, r.mode) ? closed : open);
        }
        j["scan"]["hosts_closed"] = closed;
        j["scan"]["hosts_open"] = open;
    }
    if (r.approval) j["approval"] = approval_to_json(*r.approval);
    if (r.preflight) j["preflight"] = preflight_to_json(*r.preflight);
    if (!r.sources.empty()) {
        json sources = json::array();
        for (const auto& s : r.sources) {
            json source{{"run_id", s.run_id}, {"path", s.path}};
            if (s.shard) source["shard"] = shard_to_json(*s.shard);
            if (s.approval) source["approval"] = approval_to_json(*s.approval);
            sources.push_back(std::move(source));
        }
        j["sources"] = sources;
    }
    return j;
}

}  // namespace

json report_to_json(const run_report& r) {
    json j = report_head_to_json(r);
    auto& hosts = j["hosts"];
    for (const auto& h : r.hosts) hosts.push_back(host_to_json(h, r));
    return j;
}

bool write_report_json(const run_report& r, const std::function<bool(std::string_view)>& out) {
    // The same bytes as report_to_json(r).dump(2) with bad UTF-8 replaced,
    // but only one host's JSON tree is alive at a time: at 10,000 hosts the
    // whole tree plus its text was most of the run's peak memory.
    constexpr auto replace = json::error_handler_t::replace;
    const std::string head = report_head_to_json(r).dump(2, ' ', false, replace);
    // Top-level keys are indented by two spaces; "hosts" nested in batches by more.
    static constexpr std::string_view hosts_key = "\n  \"hosts\": []";
    const auto at = head.find(hosts_key);
    if (r.hosts.empty()) return out(head) && out("\n");
    if (at == std::string::npos)  // cannot happen with nlohmann's layout; stay correct anyway
        return out(report_to_json(r).dump(2, ' ', false, replace)) && out("\n");
    if (!out(std::string_view(head).substr(0, at)) || !out("\n  \"hosts\": [")) return false;
    std::string text;
    for (std::size_t i = 0; i < r.hosts.size(); ++i) {
        const std::string host = host_to_json(r.hosts[i], r).dump(2, ' ', false, replace);
        // Indent the host by two levels; JSON text has no raw newline inside strings.
        text.assign(i == 0 ? "\n    " : ",\n    ");
        for (const char c : host) {
            text += c;
            if (c == '\n') text += "    ";
        }
        if (!out(text)) return false;
    }
    return out("\n  ]") && out(std::string_view(head).substr(at + hosts_key.size())) && out("\n");
}

std::expected<run_report, std::string> report_from_json(const json& j) {
    try {
        return read_report(j);
    } catch (const std::exception& e) {
        return std::unexpected(std::string("report: ") + e.what());
    }
}

std::expected<run_report, std::string> read_report_file(const std::string& path) {
    auto text = read_bounded_file(path, max_report_bytes, "report");
    if (!text) return std::unexpected(text.error());
    json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::unexpected(path + ": not valid JSON (is it a fleetmend report?)");
    auto r = report_from_json(j);
    if (!r) return std::unexpected(path + ": " + r.error());
    return r;
}

}  // namespace fleetmend
