// End to end, as an administrator would do it: `fleetmend run` from a
// workstation (the client namespace) disables a real miredo-server over SSH on
// a Linux host (the server namespace, real sshd, init.d scripts), and the
// playbook's probe step proves from outside that it stopped answering; then
// `fleetmend rollback --from REPORT` starts it again and the probe sees it.
#include "transports/probe/teredo_probe.hpp"

#include "linux_host.hpp"
#include "teredo_netns.hpp"
#include "tests/support/test_skip.hpp"
#include "tests/support/test_files.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// Runs fleetmend on the workstation side (client namespace).
command_output fleetmend_cli(const teredo_netns& net, std::vector<std::string> args) {
    static int counter = 0;
    const auto log = net.dir() / ("fleetmend-" + std::to_string(counter++) + ".log");
    std::vector<std::string> argv{"ip", "netns", "exec", net.client_ns(), FLEETMEND_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    command_output out;
    out.exit_code = run_program(argv, log);
    out.output = read_text(log);
    return out;
}

bool teredo_answers(const teredo_netns& net) {
    bool answered = false;
    teredo_netns::run_in(net.client_ns(), [&] {
        teredo_probe_options options;
        options.timeout_per_attempt = 500ms;
        options.attempts = 2;
        const auto result = probe_teredo(teredo_netns::server_address, options);
        answered = result && result->answered;
    });
    return answered;
}

fs::path write_inventory(const teredo_netns& net, const linux_host& host) {
    const auto path = net.dir() / "inventory.toml";
    std::ofstream(path) << "[defaults]\n"
                           "transport = \"ssh\"\n"
                           "user = \"root\"\n"
                           "connect_timeout = \"5s\"\n"
                           "command_timeout = \"60s\"\n"
                           "\n[defaults.ssh]\n"
                           "identity_file = \"" << host.user_key().string() << "\"\n"
                           "known_hosts = \"" << host.known_hosts().string() << "\"\n"
                           "host_key_policy = \"strict\"\n"
                           "\n[hosts.\"teredo-server\"]\n"
                           "address = \"" << teredo_netns::server_address << "\"\n";
    return path;
}

/// The one report a run wrote into `dir` (newest first if several).
nlohmann::json newest_report(const fs::path& dir) {
    fs::path newest;
    auto newest_time = fs::file_time_type::min();  // not {}: libstdc++ puts file_clock's epoch in 2174
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".json" && entry.last_write_time() >= newest_time) {
            newest = entry.path();
            newest_time = entry.last_write_time();
        }
    REQUIRE_FALSE(newest.empty());
    return nlohmann::json::parse(read_text(newest));
}

const nlohmann::json* probe_step(const nlohmann::json& host_report) {
    for (const auto& s : host_report.at("steps"))
        if (s.at("phase") == "verify" && s.at("command").get<std::string>().rfind("probe teredo", 0) == 0) return &s;
    return nullptr;
}

}  // namespace

TEST_CASE("fleetmend disables miredo-server over SSH, the probe proves it from outside, rollback restores it",
          "[e2e][integration]") {
    if (const auto reason = teredo_netns_unavailable_reason(); !reason.empty()) skip_test(reason);
    teredo_netns net;
    linux_host host(net);
    host.start_miredo_server_service();
    host.start_sshd();
    REQUIRE(teredo_answers(net));
    const auto inventory = write_inventory(net, host);
    const auto reports = net.dir() / "reports";

    const auto run = fleetmend_cli(net, {"run", "-i", inventory.string(), FLEETMEND_SOURCE_DIR "/playbooks/miredo-disable.toml",
                                         "--yes", "--report-dir", reports.string()});
    INFO("fleetmend run:\n" << run.output);
    REQUIRE(run.exit_code == 0);
    const auto report = newest_report(reports);
    REQUIRE(report.at("hosts").size() == 1);
    const auto& server = report.at("hosts").at(0);
    CHECK(server.at("status") == "changed");
    CHECK(server.at("facts_before").at("miredo.server_running") == "running");
    CHECK(server.at("facts_after").at("miredo.server_running") == "stopped");
    const auto* probe = probe_step(server);
    REQUIRE(probe != nullptr);
    CHECK(probe->at("ok") == true);
    CHECK(probe->at("stdout_excerpt").get<std::string>().find("no Teredo") != std::string::npos);
    CHECK_FALSE(host.miredo_server_running());
    CHECK_FALSE(host.miredo_server_enabled());
    CHECK_FALSE(teredo_answers(net));
    fs::path report_file;
    for (const auto& entry : fs::directory_iterator(reports))
        if (entry.path().extension() == ".json") report_file = entry.path();
    const auto rollback = fleetmend_cli(net, {"rollback", "-i", inventory.string(), "--from", report_file.string(), "--yes",
                                              "--report-dir", (net.dir() / "rollback-reports").string()});
    INFO("fleetmend rollback:\n" << rollback.output);
    REQUIRE(rollback.exit_code == 0);
    const auto restored = newest_report(net.dir() / "rollback-reports");
    CHECK(restored.at("hosts").at(0).at("status") == "rolled-back");
    CHECK(host.miredo_server_running());
    CHECK(host.miredo_server_enabled());
    CHECK(teredo_answers(net));
}
