#pragma once
// What the rollout suite shares: a lab started in this process from an
// inline scenario, playbooks derived from the shipped one, the real
// fleetmend binary run as a child (fleetmend_process.hpp), and readers of
// the report it wrote and of the lab's per-host state.
#include "tests/integration/support/fleetmend_process.hpp"
#include "transports/lab/lab.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fleetmend::test {

/// A lab of `hosts` WinRM hosts (HTTP, NTLM, sealed bodies) in one group, so
/// that inventory order is host-number order. `types` and `faults` are
/// scenario TOML ("[types]" weights, "[[fault]]" tables). The address base
/// is 127.<octet>.<pid-derived>.1, so suites and parallel ctest runs do not
/// collide. Fails the test (REQUIRE) when the lab cannot start.
struct lab_setup {
    unsigned hosts = 20;
    unsigned octet = 60;  // second address octet: one per test case
    std::string types = "[types]\ndefault = 1\nclient = 1\nenterpriseclient = 1\ndisabled = 1\n";
    std::string faults;
};

/// The initial type of each host of that setup (index 0: host 1), as the
/// lab will assign it (deterministic); lets a test place faults on hosts
/// whose Teredo is on.
[[nodiscard]] std::vector<std::string> initial_types(const lab_setup& setup);

class rollout_lab {
public:
    rollout_lab(const std::string& test_name, const lab_setup& setup);
    ~rollout_lab();
    rollout_lab(const rollout_lab&) = delete;
    rollout_lab& operator=(const rollout_lab&) = delete;

    lab::lab_fleet& fleet() { return *fleet_; }
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] const std::string& inventory() const { return fleet_->inventory_path(); }
    [[nodiscard]] std::vector<std::string> hosts() const { return fleet_->host_names(); }

    /// netsh's word for the host's type now / at lab start ("client", "disabled"...).
    [[nodiscard]] std::string type_now(const std::string& host) const;
    [[nodiscard]] std::string type_initially(const std::string& host) const;
    [[nodiscard]] unsigned applies(const std::string& host) const { return fleet_->counters(host).applies; }
    [[nodiscard]] unsigned commands(const std::string& host) const { return fleet_->counters(host).commands; }
    /// "WIN004" for "win004.lab.example": what `hostname` prints on the host.
    [[nodiscard]] static std::string short_name(const std::string& host);

    /// `fleetmend ARGS... --report-dir <dir>/<label>`; bounded by `limit`.
    fleetmend_run fleetmend(const std::string& label, const std::vector<std::string>& args,
                            std::chrono::seconds limit = std::chrono::seconds(180));
    /// `fleetmend ARGS...` as given (commands without --report-dir, e.g. report).
    fleetmend_run fleetmend_plain(const std::vector<std::string>& args,
                                  std::chrono::seconds limit = std::chrono::seconds(60));
    /// The JSON report `fleetmend` wrote for that label (empty path if none).
    [[nodiscard]] std::filesystem::path report_path(const std::string& label) const;

private:
    std::filesystem::path dir_;
    std::unique_ptr<lab::lab_fleet> fleet_;
};

/// A file's bytes ("" when it cannot be read).
[[nodiscard]] std::string file_text(const std::filesystem::path& path);

/// The shipped playbooks/teredo-disable.toml.
[[nodiscard]] std::string shipped_playbook();

/// The shipped playbook plus one last verify step ("change window open")
/// that fails on the listed hosts, by what `hostname` prints there. Their
/// apply has run, so they are restorable: unlike the lab's policy faults
/// (Group Policy wins over any local rollback), a rollback can put them back.
[[nodiscard]] std::filesystem::path playbook_failing_verify_on(const std::filesystem::path& dir,
                                                               const std::vector<std::string>& hosts);

/// Problems found holding a report to orchestrator/report/fleetmend.report.schema.json.
[[nodiscard]] std::vector<std::string> schema_problems(const nlohmann::json& report);

/// The host's status word in the report ("" when the host is absent).
[[nodiscard]] std::string status_of(const nlohmann::json& report, const std::string& host);
/// The host's batch in the report (0 when absent).
[[nodiscard]] int batch_of(const nlohmann::json& report, const std::string& host);
/// Earliest start of the host's steps in these phases (empty when none ran).
[[nodiscard]] std::string first_step_start(const nlohmann::json& host, const std::vector<std::string>& phases);
/// The last start of those steps (empty when none ran).
[[nodiscard]] std::string last_step_start(const nlohmann::json& host, const std::vector<std::string>& phases);

/// "win007.lab.example": the lab's name of host 7.
[[nodiscard]] std::string lab_host_name(unsigned n);

/// Exit code, time taken and the binary's output, for INFO().
[[nodiscard]] std::string describe(const fleetmend_run& run);

}  // namespace fleetmend::test
