#pragma once
// Runs the real fleetmend binary as a user would, bounded in time, and reads
// the JSON change report it wrote.
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace fleetmend::test {

struct fleetmend_run {
    int exit_code = -1;        // -1: killed at the time limit
    std::string output;        // stdout and stderr together
    nlohmann::json report;     // null if no report was written
    std::chrono::milliseconds took{0};
};

/// `fleetmend ARGS... --report-dir REPORT_DIR`, stdin from /dev/null.
fleetmend_run run_fleetmend(const std::vector<std::string>& args, const std::filesystem::path& report_dir,
                            std::chrono::seconds limit);

/// The report's entry for host `name` (null if absent).
const nlohmann::json& report_host(const nlohmann::json& report, const std::string& name);

}  // namespace fleetmend::test
