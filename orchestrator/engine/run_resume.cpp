#include "orchestrator/engine/run_resume.hpp"

#include <algorithm>

namespace fleetmend {

std::expected<planned_rollout, std::string> plan_from_journal(const run_started& header, const inventory& inv) {
    planned_rollout plan;
    std::string missing;
    std::size_t missing_count = 0;
    for (const auto& names : header.batches) {
        auto& batch = plan.batches.emplace_back();
        for (const auto& name : names) {
            if (const host_entry* host = inv.find(name)) {
                batch.push_back(host);
                ++plan.host_count;
            } else if (++missing_count <= 5) {
                missing += (missing.empty() ? "" : ", ") + name;
            }
        }
    }
    if (missing_count > 0)
        return std::unexpected(std::to_string(missing_count) + " host" + (missing_count == 1 ? "" : "s") +
                               " of the run's plan " + (missing_count == 1 ? "is" : "are") +
                               " not in the inventory " + inv.path + " (" + missing +
                               (missing_count > 5 ? ", ..." : "") +
                               "); resume with the inventory the run used (-i)");
    return plan;
}

std::string resume_command(const std::string& journal_path) {
    const bool plain = !journal_path.empty() && std::all_of(journal_path.begin(), journal_path.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/._-+:@%,").find(c) != std::string_view::npos;
    });
    if (plain) return "fleetmend resume " + journal_path;
    std::string quoted = "'";
    for (char c : journal_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return "fleetmend resume " + quoted + "'";
}

}  // namespace fleetmend
