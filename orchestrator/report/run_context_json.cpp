#include "orchestrator/report/run_context_json.hpp"

#include "orchestrator/report/json_read.hpp"

#include <algorithm>

namespace fleetmend {

using nlohmann::json;
using namespace json_read;

json findings_to_json(const std::vector<scan_finding>& findings) {
    json out = json::array();
    for (const auto& f : findings) out.push_back(json{{"id", f.id}, {"name", f.name}});
    return out;
}

std::vector<scan_finding> read_findings(const json& j) {
    if (!j.is_array()) fail("findings", "an array of {\"id\", \"name\"}");
    std::vector<scan_finding> out;
    for (const auto& f : j) out.push_back({str(f, "id"), str(f, "name")});
    return out;
}

json scan_source_to_json(const scan_source& scan, bool with_findings) {
    json unmatched = json::array();
    for (const auto& u : scan.unmatched)
        unmatched.push_back(json{{"name", u.name}, {"ip", u.ip}, {"fqdn", u.fqdn}, {"reason", u.reason}});
    json out{{"path", scan.path},
             {"sha256", scan.sha256},
             {"wanted", scan.wanted},
             {"scan_hosts", scan.scan_hosts},
             {"unmatched", unmatched}};
    if (with_findings) {
        json findings = json::object();
        for (const auto& [host, list] : scan.findings) findings[host] = findings_to_json(list);
        out["findings"] = findings;
    }
    return out;
}

scan_source read_scan_source(const json& j) {
    scan_source scan;
    scan.path = str(j, "path");
    scan.sha256 = str(j, "sha256");
    const auto& wanted = field(j, "wanted");
    if (!wanted.is_array()) fail("wanted", "an array of finding ids");
    for (const auto& id : wanted) {
        if (!id.is_string()) fail("wanted", "an array of finding ids");
        scan.wanted.push_back(id.get<std::string>());
    }
    scan.scan_hosts = integer<std::size_t>(j, "scan_hosts");
    const auto& unmatched = field(j, "unmatched");
    if (!unmatched.is_array()) fail("unmatched", "an array of scan hosts");
    for (const auto& u : unmatched) scan.unmatched.push_back({str(u, "name"), str(u, "ip"), str(u, "fqdn"), str(u, "reason")});
    if (const auto it = j.find("findings"); it != j.end()) {
        if (!it->is_object()) fail("findings", "an object of host name -> findings");
        for (const auto& [host, list] : it->items()) scan.findings[host] = read_findings(list);
    }
    return scan;
}

json preflight_to_json(const preflight_summary& p) {
    json failed = json::array();
    for (const auto& f : p.failed)
        failed.push_back(json{{"host", f.host}, {"error_kind", error_kind_or_null(f.error)}, {"message", f.message}});
    return json{{"hosts", p.hosts}, {"passed", p.hosts - std::min(p.hosts, p.failed.size())}, {"failed", failed},
                {"took_ms", p.took.count()}};
}

preflight_summary read_preflight(const json& j) {
    preflight_summary p;
    p.hosts = integer<std::size_t>(j, "hosts");
    const auto& failed = field(j, "failed");
    if (!failed.is_array()) fail("failed", "an array of hosts");
    for (const auto& f : failed) p.failed.push_back({str(f, "host"), optional_error_kind(f, "error_kind"), str(f, "message")});
    p.took = std::chrono::milliseconds{integer<std::int64_t>(j, "took_ms")};
    return p;
}

json approval_to_json(const run_approval& a) {
    return json{{"change_ticket", a.change_ticket}, {"confirmed_by", a.confirmed_by}, {"workstation", a.workstation},
                {"how", a.how}, {"command_line", a.command_line}, {"at", format_time(a.at)}};
}

run_approval read_approval(const json& j) {
    return {str(j, "change_ticket"), str(j, "confirmed_by"), str(j, "workstation"), str(j, "how"),
            str(j, "command_line"), time(j, "at")};
}

}  // namespace fleetmend
