#include "orchestrator/engine/run_targets.hpp"

#include "orchestrator/report/names.hpp"
#include "orchestrator/report/report.hpp"

#include <algorithm>

namespace fleetmend {

std::expected<std::optional<report_limit>, std::string> parse_report_limit(const std::string& limit) {
    if (limit.empty() || limit.front() != '@') return std::optional<report_limit>{};
    const auto colon = limit.rfind(':');
    if (colon == std::string::npos || colon == 1 || colon + 1 == limit.size())
        return std::unexpected("--limit " + limit +
                               ": write @REPORT:STATUS, e.g. @reports/20261127T081500Z-3f9a.json:failed");
    report_limit result{limit.substr(1, colon - 1), limit.substr(colon + 1)};
    if (result.status != "unfinished" && !parse_host_status(result.status))
        return std::unexpected("--limit " + limit + ": '" + result.status +
                               "' is not a host status; use changed, unchanged, would-change, failed, "
                               "rolled-back, rollback-failed, unreachable, skipped or unfinished");
    return std::optional<report_limit>{std::move(result)};
}

std::expected<std::set<std::string>, std::string> hosts_with_status(const report_limit& limit) {
    auto report = read_report_file(limit.report_path);
    if (!report) return std::unexpected(report.error());
    std::set<std::string> names;
    for (const auto& host : report->hosts)
        if (status_word(host) == limit.status) names.insert(host.name);
    return names;
}

std::expected<std::vector<const host_entry*>, std::string> select_targets(const inventory& inv,
                                                                          const std::string& targets,
                                                                          const std::string& limit) {
    auto chosen = select_hosts(inv, targets.empty() ? std::string("all") : targets);
    if (!chosen) return std::unexpected("playbook targets: " + chosen.error().to_string());
    if (limit.empty()) return *chosen;

    auto from_report = parse_report_limit(limit);
    if (!from_report) return std::unexpected(from_report.error());
    std::vector<const host_entry*> result;
    if (*from_report) {
        auto names = hosts_with_status(**from_report);
        if (!names) return std::unexpected(names.error());
        std::copy_if(chosen->begin(), chosen->end(), std::back_inserter(result),
                     [&](const host_entry* h) { return names->contains(h->name); });
        return result;
    }
    auto limited = select_hosts(inv, limit);
    if (!limited) return std::unexpected("--limit: " + limited.error().to_string());
    std::copy_if(chosen->begin(), chosen->end(), std::back_inserter(result), [&](const host_entry* h) {
        return std::find(limited->begin(), limited->end(), h) != limited->end();
    });
    return result;
}

}  // namespace fleetmend
