// The staged rollout on a 100-host lab: a rollout with
// batches [1, "10%", "25%", "100%"], max_fail_percentage = 0 and
// on_failure = "rollback-batch" whose third batch holds 3 hosts that fail
// verification (Group Policy turns Teredo back on after the apply); and the
// same lab under --check, where the lab's counters prove nothing was applied.
#include "rollout_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <set>

using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

const std::string hundred_types = "[types]\ndefault = 2\nclient = 1\nenterpriseclient = 1\ndisabled = 1\n";

std::string host_name(unsigned n) {
    const auto digits = std::to_string(n);
    return "win" + std::string(3 - digits.size(), '0') + digits + ".lab.example";
}

/// Three hosts of the third batch (hosts 12-36 of 100: 1 + 10 + 25) whose
/// Teredo is on, spread over it; Group Policy re-enables Teredo on them
/// after the apply, so they fail verification.
std::vector<unsigned> policy_hosts_in_batch_3() {
    const auto types = initial_types({.hosts = 100, .types = hundred_types});
    std::vector<unsigned> chosen;
    for (unsigned start : {14u, 22u, 30u})
        for (unsigned n = start; n <= 36 && chosen.size() < 3; ++n)
            if (types[n - 1] != "disabled" && std::ranges::find(chosen, n) == chosen.end()) {
                chosen.push_back(n);
                break;
            }
    REQUIRE(chosen.size() == 3);
    return chosen;
}

lab_setup hundred_hosts(unsigned octet, const std::vector<unsigned>& policy_hosts) {
    std::string list;
    for (unsigned n : policy_hosts) list += (list.empty() ? "" : ", ") + std::to_string(n);
    return {.hosts = 100, .octet = octet, .types = hundred_types,
            .faults = "[[fault]]\nkind = \"policy-reenables\"\nhosts = [" + list + "]\npolicy_type = \"client\"\n"};
}

constexpr int halted_exit = 4;  // orchestrator/cli/commands.hpp exit_halted, README "Exit status"

}  // namespace

TEST_CASE("100 hosts, 3 verify failures in batch 3 under rollback-batch: halts, restores batch 3, skips the rest",
          "[rollout][integration]") {
    const auto policy_numbers = policy_hosts_in_batch_3();
    std::set<std::string> policy_hosts;
    for (unsigned n : policy_numbers) policy_hosts.insert(host_name(n));
    rollout_lab lab("batch", hundred_hosts(61, policy_numbers));
    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook, "--yes", "--batches",
                                           "1,10%,25%,100%", "--max-fail-percentage", "0", "--on-failure",
                                           "rollback-batch"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == halted_exit);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    std::cout << "rollout: 100-host rollback-batch run took " << run.took.count() << " ms\n";

    // the plan and the halt, as the report records them
    const auto& batches = run.report["rollout"]["batches"];
    REQUIRE(batches.size() == 4);
    CHECK(batches[0]["hosts"].size() == 1);
    CHECK(batches[1]["hosts"].size() == 10);
    CHECK(batches[2]["hosts"].size() == 25);
    CHECK(batches[3]["hosts"].size() == 64);
    CHECK_FALSE(batches[0]["halted"].get<bool>());
    CHECK_FALSE(batches[1]["halted"].get<bool>());
    CHECK(batches[2]["halted"].get<bool>());
    CHECK(batches[2]["failures"] == 3);
    CHECK(batches[2]["reason"].get<std::string>().find("3 of 25 hosts failed in batch 3") != std::string::npos);
    CHECK(batches[3]["started"].is_null());
    CHECK(run.report["rollout"]["settings"]["on_failure"] == "rollback-batch");
    CHECK(run.output.find("HALTED at batch 3") != std::string::npos);

    int restored = 0, skipped = 0;
    for (const auto& host : lab.hosts()) {
        const auto initial = lab.type_initially(host);
        const int batch = batch_of(run.report, host);
        const auto status = status_of(run.report, host);
        INFO(host << ": batch " << batch << ", initially " << initial << ", now " << lab.type_now(host) << ", "
                  << lab.applies(host) << " applies, report: " << report_host(run.report, host).dump());
        if (batch <= 2) {
            // the first two batches stay changed
            CHECK(lab.type_now(host) == "disabled");
            CHECK(status == (initial == "disabled" ? "unchanged" : "changed"));
            CHECK(lab.applies(host) == (initial == "disabled" ? 0u : 1u));
        } else if (batch == 3 && policy_hosts.count(host)) {
            // verify failed because Group Policy re-enabled Teredo: the local
            // type is put back, but policy wins, so the restore cannot verify
            CHECK(status == "rollback-failed");
            CHECK(lab.type_now(host) == "client");
            CHECK(lab.applies(host) == 2u);  // the apply, then the rollback's set state
            CHECK(report_host(run.report, host)["facts_before"]["teredo.type"] == initial);
        } else if (batch == 3) {
            // every host changed in the halting batch is back to ITS OWN type
            CHECK(lab.type_now(host) == initial);
            if (initial == "disabled") {
                CHECK(status == "unchanged");
                CHECK(lab.applies(host) == 0u);
            } else {
                CHECK(status == "rolled-back");
                CHECK(lab.applies(host) == 2u);
                CHECK(report_host(run.report, host)["facts_after"]["teredo.type"] == initial);
                ++restored;
            }
        } else {
            CHECK(batch == 4);
            CHECK(status == "skipped");
            CHECK(lab.applies(host) == 0u);
            CHECK(lab.commands(host) == 0u);  // never even captured
            CHECK(lab.type_now(host) == initial);
            ++skipped;
        }
    }
    CHECK(skipped == 64);
    CHECK(restored >= 10);  // 22 hosts of batch 3 minus the initially disabled ones
    CHECK(run.report["summary"]["skipped"] == 64);
    CHECK(run.report["summary"]["rollback-failed"] == 3);
    CHECK(run.report["summary"]["rolled-back"] == restored);
}

TEST_CASE("check mode (--check) on the 100-host lab: would-change and unchanged, no apply anywhere, types unchanged",
          "[rollout][integration]") {
    rollout_lab lab("check", hundred_hosts(62, policy_hosts_in_batch_3()));
    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    // no --yes: a check changes nothing, so it must not need a confirmation
    const auto run = lab.fleetmend("check", {"run", "-i", lab.inventory(), playbook, "--check", "--batches",
                                             "1,10%,25%,100%"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(run.report["mode"] == "check");
    CHECK(schema_problems(run.report) == std::vector<std::string>{});

    int would_change = 0;
    for (const auto& host : lab.hosts()) {
        const auto initial = lab.type_initially(host);
        const auto status = status_of(run.report, host);
        INFO(host << ": initially " << initial << ", report: " << report_host(run.report, host).dump());
        CHECK(status == (initial == "disabled" ? "unchanged" : "would-change"));
        CHECK(lab.applies(host) == 0u);
        CHECK(lab.type_now(host) == initial);
        CHECK(lab.commands(host) > 0u);  // it was reached and captured
        would_change += status == "would-change";
    }
    CHECK(lab.fleet().totals().applies == 0u);
    CHECK(run.report["summary"]["would-change"] == would_change);
    CHECK(run.output.find("a real run would change " + std::to_string(would_change) + " host") != std::string::npos);
}
