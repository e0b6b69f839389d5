#include "tests/integration/support/fleetmend_process.hpp"

#include "tests/integration/support/child_process.hpp"

#include <fstream>

namespace fleetmend::test {
namespace fs = std::filesystem;

fleetmend_run run_fleetmend(const std::vector<std::string>& args, const fs::path& report_dir,
                            std::chrono::seconds limit) {
    fs::create_directories(report_dir);
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--report-dir", report_dir.string()});
    fleetmend_run run;
    const auto t0 = std::chrono::steady_clock::now();
    const auto child = run_to_end(all, report_dir / "fleetmend.out", limit);
    run.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    run.exit_code = child.status;
    run.output = child.output;
    for (const auto& entry : fs::directory_iterator(report_dir)) {
        if (entry.path().extension() == ".json") {
            std::ifstream in(entry.path());
            run.report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
        }
    }
    return run;
}

const nlohmann::json& report_host(const nlohmann::json& report, const std::string& name) {
    static const nlohmann::json none;
    if (!report.is_object() || !report.contains("hosts")) return none;
    for (const auto& h : report["hosts"]) {
        if (h.value("name", "") == name) return h;
    }
    return none;
}

}  // namespace fleetmend::test
