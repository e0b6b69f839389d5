// `--shard K/N` on the lab: three "workstations" each run one slice of the same
// fleet with the real binary; `fleetmend report merge` joins their reports
// into one that names every host exactly once, and the lab proves each host
// was changed exactly once. A sharded rollback from the merged report then
// reaches the same slice the run did.
#include "tests/integration/support/child_process.hpp"
#include "transports/lab/lab.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;
using fleetmend::test::run_to_end;  // the real binary, stdin from /dev/null, bounded in time

namespace {

const std::string teredo_playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";

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
        // 127.226.x.1: a range of its own, varied by pid so parallel ctest runs do not meet.
        options.address_base = "127.226." + std::to_string(::getpid() % 250 + 1) + ".1";
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
        const auto run = run_to_end({"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes",
                                        "--shard", std::to_string(k) + "/3", "--batches", "1,100%",
                                        "--concurrency", "20", "--report-dir", out.string()},
                                       out / "fleetmend.out", 120s);
        INFO("shard " << k << "/3: exit " << run.status << "\n" << run.output);
        REQUIRE(run.status == 0);
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
    const auto merge = run_to_end(merge_args, lab.dir / "merge.out", 30s);
    INFO("merge: exit " << merge.status << "\n" << merge.output);
    REQUIRE(merge.status == 0);
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
    const auto rollback = run_to_end({"rollback", "-i", lab.fleet->inventory_path(), "--from", merged_path.string(),
                                         "--shard", "2/3", "--yes", "--batches", "100%", "--report-dir",
                                         back.string()},
                                        back / "fleetmend.out", 120s);
    INFO("rollback: exit " << rollback.status << "\n" << rollback.output);
    REQUIRE(rollback.status == 0);
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
        const auto run = run_to_end({"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes",
                                        "--shard", bad, "--report-dir", out.string()},
                                       out / "fleetmend.out", 30s);
        INFO("--shard " << bad << ": " << run.output);
        CHECK(run.status == 64);
        CHECK(run.output.find("--shard " + std::string(bad)) != std::string::npos);
        CHECK(report_in(out).empty());
    }
    CHECK(lab.fleet->totals().connections == 0);
}

TEST_CASE("an empty shard succeeds with nothing to do, no target at all still fails", "[shard][integration]") {
    shard_lab lab(3);
    const std::string one_host = lab.fleet->host_names().front();
    // One targeted host and two shards: exactly one slice holds it.
    int ran = 0;
    int empty = 0;
    for (const char* shard : {"1/2", "2/2"}) {
        const fs::path out = lab.dir / (std::string("half") + shard[0]);
        fs::create_directories(out);
        const auto run = run_to_end({"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes", "--limit",
                                     one_host, "--shard", shard, "--report-dir", out.string()},
                                    out / "fleetmend.out", 60s);
        INFO("--shard " << shard << ": " << run.output);
        CHECK(run.status == 0);  // a CI matrix task with an empty slice has not failed
        if (run.output.find("holds none of the 1 targeted hosts; nothing to do") != std::string::npos) {
            ++empty;
            CHECK(report_in(out).empty());
        } else {
            ++ran;
            CHECK_FALSE(report_in(out).empty());
        }
    }
    CHECK(ran == 1);
    CHECK(empty == 1);

    const fs::path out = lab.dir / "none";
    fs::create_directories(out);
    const auto none = run_to_end({"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes", "--limit",
                                  "no-such-host-*", "--shard", "1/2", "--report-dir", out.string()},
                                 out / "fleetmend.out", 60s);
    INFO(none.output);
    CHECK(none.status == 64);  // a typo in the limit is still a mistake, sharded or not
    CHECK(none.output.find("no host or group named 'no-such-host-*'") != std::string::npos);
}
