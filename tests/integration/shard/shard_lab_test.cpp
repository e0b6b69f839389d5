// `--shard K/N` on the lab: three "workstations" each run one slice of the same
// fleet with the real binary; `fleetmend report merge` joins their reports
// into one that names every host exactly once, and the lab proves each host
// was changed exactly once. A sharded rollback from the merged report then
// reaches the same slice the run did.
#include "tests/lab/lab.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string teredo_playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";

struct child_result {
    int exit_code = -1;  // -1: killed at the time limit
    std::string output;  // stdout and stderr
};

/// `fleetmend ARGS...` with stdin from /dev/null, killed after `limit`.
child_result run_fleetmend(const std::vector<std::string>& args, const fs::path& log, std::chrono::seconds limit) {
    std::vector<std::string> text{FLEETMEND_BINARY};
    text.insert(text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : text) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    child_result result;
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        result.output = "cannot start " + text[0];
        return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    std::ifstream in(log);
    std::ostringstream out;
    out << in.rdbuf();
    result.output = out.str();
    return result;
}

json read_json(const fs::path& path) {
    std::ifstream in(path);
    return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

/// The one report a run wrote into its own folder.
fs::path report_in(const fs::path& dir) {
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".json") return entry.path();
    return {};
}

std::set<std::string> host_names(const json& report) {
    std::set<std::string> names;
    for (const auto& h : report["hosts"]) names.insert(h["name"].get<std::string>());
    return names;
}

struct shard_lab {
    fs::path dir;
    std::unique_ptr<fleetmend::lab::lab_fleet> fleet;

    explicit shard_lab(unsigned hosts) {
        dir = fs::temp_directory_path() / ("fleetmend-shard-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir / "lab");
        fleetmend::lab::lab_options options;
        options.scenario_text = "name = \"shard\"\nhosts = " + std::to_string(hosts) +
                                "\nname_pattern = \"sh{n:03}.lab.example\"\n"
                                "[[group]]\nname = \"http-ntlm\"\nscheme = \"http\"\nauth = \"ntlm\"\n"
                                "[types]\nclient = 2\ndefault = 2\nenterpriseclient = 1\ndisabled = 1\n";
        options.directory = (dir / "lab").string();
        // 127.81.x.1: a range of its own, varied by pid so parallel ctest runs do not meet.
        options.address_base = "127.81." + std::to_string(::getpid() % 250 + 1) + ".1";
        auto started = fleetmend::lab::lab_fleet::start(options);
        if (!started) throw std::runtime_error("the lab did not start: " + started.error());
        fleet = std::move(*started);
    }
    ~shard_lab() {
        if (fleet) fleet->stop();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

}  // namespace

TEST_CASE("three shards of a 60-host lab fleet, merged, cover every host exactly once", "[shard][integration]") {
    constexpr unsigned hosts = 60;
    shard_lab lab(hosts);
    std::map<std::string, fleetmend::lab::teredo_type> before;
    for (const auto& name : lab.fleet->host_names()) before[name] = *lab.fleet->current_type(name);
    REQUIRE(before.size() == hosts);

    std::vector<std::string> reports;
    std::map<std::string, int> shard_of_host;
    for (int k = 1; k <= 3; ++k) {
        const fs::path out = lab.dir / ("shard" + std::to_string(k));
        fs::create_directories(out);
        const auto run = run_fleetmend({"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes",
                                        "--shard", std::to_string(k) + "/3", "--batches", "1,100%",
                                        "--concurrency", "20", "--report-dir", out.string()},
                                       out / "fleetmend.out", 120s);
        INFO("shard " << k << "/3: exit " << run.exit_code << "\n" << run.output);
        REQUIRE(run.exit_code == 0);
        const auto path = report_in(out);
        REQUIRE_FALSE(path.empty());
        const auto report = read_json(path);
        REQUIRE(report.is_object());
        CHECK(report["shard"] == json{{"index", k}, {"count", 3}});
        // A shard runs its own canary: batches are planned after slicing.
        CHECK(report["rollout"]["batches"][0]["hosts"].size() == 1);
        CHECK(report["hosts"].size() < hosts);  // a slice, not the fleet
        for (const auto& name : host_names(report)) {
            INFO(name);
            CHECK(shard_of_host.emplace(name, k).second);  // in no other shard
        }
        reports.push_back(path.string());
    }
    CHECK(shard_of_host.size() == hosts);

    // Every host changed exactly once, whichever shard had it.
    for (const auto& [name, type] : before) {
        INFO(name);
        CHECK(lab.fleet->current_type(name) == fleetmend::lab::teredo_type::disabled);
        CHECK(lab.fleet->counters(name).applies == (type == fleetmend::lab::teredo_type::disabled ? 0u : 1u));
    }

    const fs::path merged_path = lab.dir / "merged.json";
    std::vector<std::string> merge_args{"report", "merge"};
    merge_args.insert(merge_args.end(), reports.begin(), reports.end());
    merge_args.insert(merge_args.end(), {"-o", merged_path.string()});
    const auto merge = run_fleetmend(merge_args, lab.dir / "merge.out", 30s);
    INFO("merge: exit " << merge.exit_code << "\n" << merge.output);
    REQUIRE(merge.exit_code == 0);
    const auto merged = read_json(merged_path);
    REQUIRE(merged.is_object());
    REQUIRE(merged["hosts"].size() == hosts);
    CHECK(host_names(merged).size() == hosts);
    CHECK(merged["summary"]["total"] == hosts);
    CHECK(merged["summary"]["changed"].get<int>() + merged["summary"]["unchanged"].get<int>() == int{hosts});
    CHECK_FALSE(merged.contains("shard"));
    REQUIRE(merged["sources"].size() == 3);
    for (int k = 1; k <= 3; ++k) CHECK(merged["sources"][k - 1]["shard"] == json{{"index", k}, {"count", 3}});

    // Rollback of slice 2 from the merged report: exactly the hosts slice 2 ran, back to their own type.
    const fs::path back = lab.dir / "rollback2";
    fs::create_directories(back);
    const auto rollback = run_fleetmend({"rollback", "-i", lab.fleet->inventory_path(), "--from", merged_path.string(),
                                         "--shard", "2/3", "--yes", "--batches", "100%", "--report-dir",
                                         back.string()},
                                        back / "fleetmend.out", 120s);
    INFO("rollback: exit " << rollback.exit_code << "\n" << rollback.output);
    REQUIRE(rollback.exit_code == 0);
    const auto restored = read_json(report_in(back));
    REQUIRE(restored.is_object());
    CHECK(restored["shard"] == json{{"index", 2}, {"count", 3}});
    for (const auto& [name, type] : before) {
        INFO(name);
        const bool changed_in_slice_2 = shard_of_host[name] == 2 && type != fleetmend::lab::teredo_type::disabled;
        CHECK(host_names(restored).contains(name) == changed_in_slice_2);
        CHECK(lab.fleet->current_type(name) == (changed_in_slice_2 ? type : fleetmend::lab::teredo_type::disabled));
    }
}

TEST_CASE("a bad --shard is refused before any host is touched, saying what to write", "[shard][integration]") {
    shard_lab lab(3);
    for (const char* bad : {"0/3", "3/2", "x"}) {
        const fs::path out = lab.dir / "bad";
        fs::create_directories(out);
        const auto run = run_fleetmend({"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes",
                                        "--shard", bad, "--report-dir", out.string()},
                                       out / "fleetmend.out", 30s);
        INFO("--shard " << bad << ": " << run.output);
        CHECK(run.exit_code == 64);
        CHECK(run.output.find("--shard " + std::string(bad)) != std::string::npos);
        CHECK(report_in(out).empty());
    }
    CHECK(lab.fleet->totals().connections == 0);
}
