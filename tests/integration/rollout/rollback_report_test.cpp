// On the lab: `fleetmend rollback --from REPORT` returns every host
// to its own captured type and leaves already-disabled hosts alone; the
// rollback report names its source; `--hosts failed` and `--limit` narrow a
// rollback; `run --limit @REPORT:failed` reruns exactly those hosts.
#include "rollout_support.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <map>
#include <set>

using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

std::string host_name(unsigned n) {
    const auto digits = std::to_string(n);
    return "win" + std::string(3 - digits.size(), '0') + digits + ".lab.example";
}

std::set<std::string> hosts_in(const nlohmann::json& report) {
    std::set<std::string> names;
    for (const auto& h : report["hosts"]) names.insert(h["name"].get<std::string>());
    return names;
}

}  // namespace

TEST_CASE("rollback --from a 50-host run returns every host to its own initial type, disabled hosts untouched",
          "[rollout][rollback][integration]") {
    rollout_lab lab("from", {.hosts = 50, .octet = 67,
                             .types = "[types]\nclient = 1\ndefault = 1\nenterpriseclient = 1\ndisabled = 1\n"});
    std::map<std::string, int> per_type;
    for (const auto& host : lab.hosts()) ++per_type[lab.type_initially(host)];
    INFO("initial types: client " << per_type["client"] << ", default " << per_type["default"]
                                  << ", enterpriseclient " << per_type["enterpriseclient"] << ", disabled "
                                  << per_type["disabled"]);
    REQUIRE(per_type.size() == 4);  // a mixed fleet

    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook, "--yes"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    REQUIRE(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    std::map<std::string, unsigned> applies_after_run;
    for (const auto& host : lab.hosts()) {
        CHECK(lab.type_now(host) == "disabled");
        applies_after_run[host] = lab.applies(host);
    }
    const auto source = lab.report_path("run");

    const auto rollback = lab.fleetmend("rollback", {"rollback", "-i", lab.inventory(), "--from", source.string(), "--yes"});
    INFO(describe(rollback));
    REQUIRE(rollback.report.is_object());
    CHECK(rollback.exit_code == 0);
    CHECK(schema_problems(rollback.report) == std::vector<std::string>{});
    CHECK(rollback.report["mode"] == "rollback");
    // the rollback's report links to the original
    CHECK(std::filesystem::path(rollback.report["source_report"].get<std::string>()).filename() == source.filename());
    std::cout << "rollout: 50-host run took " << run.took.count() << " ms, rollback --from took "
              << rollback.took.count() << " ms\n";

    for (const auto& host : lab.hosts()) {
        const auto initial = lab.type_initially(host);
        INFO(host << ": initially " << initial << ", now " << lab.type_now(host) << ", rollback report: "
                  << report_host(rollback.report, host).dump());
        CHECK(lab.type_now(host) == initial);
        if (initial == "disabled") {
            // never changed, so never restored: no set state at all
            CHECK(lab.applies(host) == 0u);
            CHECK(status_of(run.report, host) == "unchanged");
            CHECK(status_of(rollback.report, host) != "rolled-back");
        } else {
            CHECK(applies_after_run[host] == 1u);
            CHECK(lab.applies(host) == 2u);
            CHECK(status_of(rollback.report, host) == "rolled-back");
            CHECK(report_host(rollback.report, host)["facts_after"]["teredo.type"] == initial);
        }
    }
    CHECK(rollback.report["summary"]["rolled-back"] == 50 - per_type["disabled"]);

    // A good undo is a success in every rendering, as in the exit status: a
    // CI job reading the JUnit stays green.
    const auto rollback_report = lab.report_path("rollback").string();
    const auto recap = lab.fleetmend_plain({"report", rollback_report});
    CHECK(recap.exit_code == 0);
    CHECK_THAT(recap.output, !Catch::Contains("FAILURES"));
    CHECK_THAT(recap.output, Catch::Contains("RESTORED (" + std::to_string(50 - per_type["disabled"]) + ")"));
    const auto junit = lab.fleetmend_plain({"report", rollback_report, "--format", "junit"});
    CHECK(junit.exit_code == 0);
    CHECK_THAT(junit.output, Catch::Contains("<testsuites name=\"fleetmend rollback"));
    CHECK_THAT(junit.output, Catch::Contains("tests=\"" + std::to_string(rollback.report["summary"]["total"].get<int>()) +
                                             "\" failures=\"0\" errors=\"0\""));
    CHECK_THAT(junit.output, !Catch::Contains("<failure"));
    CHECK_THAT(junit.output, Catch::Contains("restored: teredo.type = "));
}

TEST_CASE("rollback --hosts failed and --limit narrow a rollback, and run --limit @REPORT:failed reruns exactly those",
          "[rollout][rollback][integration]") {
    rollout_lab lab("narrow", {.hosts = 20, .octet = 68,
                               .types = "[types]\nclient = 1\ndefault = 1\nenterpriseclient = 1\n"});
    const std::set<std::string> failing{host_name(4), host_name(9)};
    const auto playbook = playbook_failing_verify_on(lab.dir(), {failing.begin(), failing.end()});
    // halt policy at 100%: the failed hosts stay failed (changed, unverified), the run goes on
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook.string(), "--yes",
                                           "--max-fail-percentage", "100", "--on-failure", "halt"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 2);
    for (const auto& host : lab.hosts()) {
        INFO(host);
        CHECK(status_of(run.report, host) == (failing.count(host) ? "failed" : "changed"));
        CHECK(lab.type_now(host) == "disabled");
    }
    const auto source = lab.report_path("run").string();

    // 1. --hosts failed restores only the failed hosts
    {
        const auto rb = lab.fleetmend("rb-failed", {"rollback", "-i", lab.inventory(), "--from", source, "--hosts",
                                                    "failed", "--yes"});
        INFO(describe(rb));
        REQUIRE(rb.report.is_object());
        CHECK(rb.exit_code == 0);
        CHECK(schema_problems(rb.report) == std::vector<std::string>{});
        CHECK(hosts_in(rb.report) == failing);
        for (const auto& host : lab.hosts()) {
            INFO(host);
            CHECK(lab.type_now(host) == (failing.count(host) ? lab.type_initially(host) : std::string("disabled")));
            CHECK(lab.applies(host) == (failing.count(host) ? 2u : 1u));
        }
    }
    // 2. --limit restores only the hosts it names (from the same report)
    const auto one = host_name(7);
    {
        const auto rb = lab.fleetmend("rb-limit", {"rollback", "-i", lab.inventory(), "--from", source, "--limit",
                                                   one, "--yes"});
        INFO(describe(rb));
        REQUIRE(rb.report.is_object());
        CHECK(rb.exit_code == 0);
        CHECK(schema_problems(rb.report) == std::vector<std::string>{});
        CHECK(hosts_in(rb.report) == std::set<std::string>{one});
        CHECK(lab.type_now(one) == lab.type_initially(one));
        CHECK(lab.applies(one) == 2u);
        for (const auto& host : lab.hosts()) {
            if (host == one || failing.count(host)) continue;
            INFO(host);
            CHECK(lab.type_now(host) == "disabled");
            CHECK(lab.applies(host) == 1u);
        }
    }
    // 3. run --limit @REPORT:failed reaches exactly the failed hosts (now
    //    restored, so the shipped playbook changes them again)
    std::map<std::string, unsigned> commands_before;
    for (const auto& host : lab.hosts()) commands_before[host] = lab.commands(host);
    const auto shipped = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    const auto rerun = lab.fleetmend("rerun", {"run", "-i", lab.inventory(), shipped, "--yes", "--limit",
                                               "@" + source + ":failed"});
    INFO(describe(rerun));
    REQUIRE(rerun.report.is_object());
    CHECK(rerun.exit_code == 0);
    CHECK(schema_problems(rerun.report) == std::vector<std::string>{});
    CHECK(hosts_in(rerun.report) == failing);
    for (const auto& host : lab.hosts()) {
        INFO(host);
        if (failing.count(host)) {
            CHECK(status_of(rerun.report, host) == "changed");
            CHECK(lab.type_now(host) == "disabled");
            CHECK(lab.applies(host) == 3u);
        } else {
            CHECK(lab.commands(host) == commands_before[host]);  // not contacted at all
        }
    }
}
