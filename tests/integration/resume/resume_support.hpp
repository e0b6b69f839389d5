#pragma once
// What the resume suites share: a lab per test on its own loopback range,
// the run command line, the journal's growth, and the checks that a run
// (interrupted or not) ended with every host right.
#include "tests/integration/support/child_process.hpp"
#include "transports/lab/lab.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fleetmend::test {

inline const std::string teredo_playbook = FLEETMEND_SOURCE_DIR "/playbooks/teredo-disable.toml";

struct lab_shape {
    unsigned hosts = 200;
    unsigned slow_percent = 10;       // hosts with latency before every answer
    std::string slow_latency = "40ms";
    std::vector<unsigned> not_elevated{17, 117};  // their apply fails: they end failed
    std::vector<unsigned> hanging;                 // their commands never finish (fault "hang")
};

/// A fresh lab (every host in its initial state) plus a folder for reports.
struct trial_lab {
    std::unique_ptr<lab::lab_fleet> fleet;
    std::filesystem::path dir;          // removed by the destructor
    std::filesystem::path report_dir;   // dir/reports
    ~trial_lab();
};

/// `index` picks the loopback range, so labs of one process never share one.
std::unique_ptr<trial_lab> start_lab(const lab_shape& shape, unsigned index);

/// fleetmend run over the whole lab with the Teredo playbook; failures never
/// halt it (--max-fail-percentage 100), so the planted ones end failed.
std::vector<std::string> run_args(const trial_lab& lab, const std::string& batches = "1,10%,50%,100%",
                                  unsigned concurrency = 50);

/// The one journal in the report folder (empty path when there is none).
std::filesystem::path find_journal(const std::filesystem::path& report_dir);
std::uintmax_t size_of(const std::filesystem::path& path);

/// Problems with the finished run (empty: all good): every host reported
/// once with the right status, its original Teredo type as facts before, in
/// the right state on the lab now, its apply run at most once (exactly once
/// for a changed host); summary totals match.
std::vector<std::string> whole_run_problems(const lab::lab_fleet& fleet, const std::filesystem::path& report_path);

}  // namespace fleetmend::test
