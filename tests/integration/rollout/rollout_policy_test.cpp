// Each on_failure policy and the failure threshold on a 20-host lab, with
// the real binary: halt (nothing restored), rollback-host (the failing host
// restored at once, the run goes on), rollback-all (every host changed by
// the run restored, newest batch first), and unreachable hosts counting
// toward max_fail_percentage. A host "fails verification" through an extra
// verify step that fails on it after its apply ran (see
// playbook_failing_verify_on), so its previous type can be restored.
#include "rollout_support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

constexpr int exit_host_failures = 2, exit_unreachable = 3, exit_halted = 4;

// Types cycle through the lab's deterministic assignment; the tests pick
// their failing hosts by initial type at run time.
const std::string mixed_types = "[types]\ndefault = 1\nclient = 1\nenterpriseclient = 1\ndisabled = 1\n";

std::string host_name(unsigned n) {
    const auto digits = std::to_string(n);
    return "win" + std::string(3 - digits.size(), '0') + digits + ".lab.example";
}

/// The first host numbered in [from, to] whose Teredo is on at the start
/// (a disabled host is compliant: its verify never runs).
std::string first_enabled(const rollout_lab& lab, unsigned from, unsigned to) {
    for (unsigned n = from; n <= to; ++n)
        if (lab.type_initially(host_name(n)) != "disabled") return host_name(n);
    FAIL("no host with Teredo on between " << from << " and " << to);
    return {};
}

std::vector<std::string> args_for(const rollout_lab& lab, const std::filesystem::path& playbook,
                                  std::vector<std::string> flags) {
    std::vector<std::string> args{"run", "-i", lab.inventory(), playbook.string(), "--yes"};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
}

}  // namespace

TEST_CASE("halt: the batch with a failing host stops the rollout and nothing is restored",
          "[rollout][integration]") {
    rollout_lab lab("halt", {.hosts = 20, .octet = 63, .types = mixed_types});
    // batches 1, 5, 14: hosts 1 | 2-6 | 7-20
    const auto failing = first_enabled(lab, 2, 6);
    const auto playbook = playbook_failing_verify_on(lab.dir(), {failing});
    const auto run = lab.fleetmend("run", args_for(lab, playbook, {"--batches", "1,5,100%", "--max-fail-percentage",
                                                                    "0", "--on-failure", "halt"}));
    INFO(describe(run) << "\nfailing host: " << failing);
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == exit_halted);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(run.report["rollout"]["batches"][1]["halted"] == true);
    CHECK(run.report["rollout"]["batches"][1]["reason"].get<std::string>().find("1 of 5 hosts failed in batch 2") !=
          std::string::npos);
    for (const auto& host : lab.hosts()) {
        const auto initial = lab.type_initially(host);
        const int batch = batch_of(run.report, host);
        INFO(host << ": batch " << batch << ", initially " << initial << ", report: "
                  << report_host(run.report, host).dump());
        if (host == failing) {
            CHECK(status_of(run.report, host) == "failed");
            CHECK(lab.type_now(host) == "disabled");  // halt restores nothing
            CHECK(lab.applies(host) == 1u);
        } else if (batch <= 2) {
            CHECK(status_of(run.report, host) == (initial == "disabled" ? "unchanged" : "changed"));
            CHECK(lab.type_now(host) == "disabled");
            CHECK(lab.applies(host) == (initial == "disabled" ? 0u : 1u));
        } else {
            CHECK(status_of(run.report, host) == "skipped");
            CHECK(lab.applies(host) == 0u);
            CHECK(lab.type_now(host) == initial);
        }
    }
    CHECK(run.report["summary"]["skipped"] == 14);
}

TEST_CASE("rollback-host: the failing host is restored at once and the run goes on below its threshold",
          "[rollout][integration]") {
    rollout_lab lab("host", {.hosts = 20, .octet = 64, .types = mixed_types});
    const auto in_batch_2 = first_enabled(lab, 2, 6);
    const auto in_batch_3 = first_enabled(lab, 7, 20);
    const auto playbook = playbook_failing_verify_on(lab.dir(), {in_batch_2, in_batch_3});
    // one failure of 5 is 20%, one of 14 is 7%: below 25%, the run goes on
    const auto run = lab.fleetmend("run", args_for(lab, playbook, {"--batches", "1,5,100%", "--max-fail-percentage",
                                                                    "25", "--on-failure", "rollback-host"}));
    INFO(describe(run) << "\nfailing hosts: " << in_batch_2 << ", " << in_batch_3);
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == exit_host_failures);  // a rolled-back host failed its verify
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    for (const auto& b : run.report["rollout"]["batches"]) CHECK(b["halted"] == false);
    CHECK(run.report["summary"]["skipped"] == 0);
    CHECK(run.report["summary"]["rolled-back"] == 2);

    for (const auto& host : lab.hosts()) {
        const auto initial = lab.type_initially(host);
        const auto& entry = report_host(run.report, host);
        INFO(host << ": initially " << initial << ", report: " << entry.dump());
        if (host == in_batch_2 || host == in_batch_3) {
            CHECK(status_of(run.report, host) == "rolled-back");
            CHECK(lab.type_now(host) == initial);
            CHECK(lab.applies(host) == 2u);
            // "at once": restored inside the host's own turn, right after its
            // failed verify, before its batch was judged
            const auto restore_start = first_step_start(entry, {"rollback"});
            REQUIRE_FALSE(restore_start.empty());
            CHECK(restore_start >= last_step_start(entry, {"verify"}));
            const auto& batch = run.report["rollout"]["batches"][entry["batch"].get<int>() - 1];
            CHECK(restore_start <= batch["finished"].get<std::string>());
        } else {
            CHECK(status_of(run.report, host) == (initial == "disabled" ? "unchanged" : "changed"));
            CHECK(lab.type_now(host) == "disabled");
            CHECK(lab.applies(host) == (initial == "disabled" ? 0u : 1u));
        }
    }
}

TEST_CASE("rollback-all: every host changed by the run is restored, newest batch first",
          "[rollout][integration]") {
    rollout_lab lab("all", {.hosts = 20, .octet = 65, .types = mixed_types});
    // batches 1, 3, 5, 11: hosts 1 | 2-4 | 5-9 | 10-20
    const auto failing = first_enabled(lab, 5, 9);
    const auto playbook = playbook_failing_verify_on(lab.dir(), {failing});
    const auto run = lab.fleetmend("run", args_for(lab, playbook, {"--batches", "1,3,5,100%", "--max-fail-percentage",
                                                                    "0", "--on-failure", "rollback-all"}));
    INFO(describe(run) << "\nfailing host: " << failing);
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == exit_halted);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(run.report["rollout"]["batches"][2]["halted"] == true);

    // per batch: the span of its hosts' rollback steps
    std::map<int, std::pair<std::string, std::string>> restore_span;
    for (const auto& host : lab.hosts()) {
        const auto initial = lab.type_initially(host);
        const auto& entry = report_host(run.report, host);
        const int batch = batch_of(run.report, host);
        INFO(host << ": batch " << batch << ", initially " << initial << ", report: " << entry.dump());
        CHECK(lab.type_now(host) == initial);  // every host is as it was before the run
        if (batch == 4) {
            CHECK(status_of(run.report, host) == "skipped");
            CHECK(lab.applies(host) == 0u);
        } else if (initial == "disabled") {
            CHECK(status_of(run.report, host) == "unchanged");
            CHECK(lab.applies(host) == 0u);
        } else {
            CHECK(status_of(run.report, host) == "rolled-back");
            CHECK(lab.applies(host) == 2u);
            const auto first = first_step_start(entry, {"rollback", "rollback-verify"});
            const auto last = last_step_start(entry, {"rollback", "rollback-verify"});
            auto& span = restore_span[batch];
            if (span.first.empty() || first < span.first) span.first = first;
            if (last > span.second) span.second = last;
        }
    }
    // newest batch first: batch 3's restores all began before batch 2's, and 2's before 1's
    REQUIRE(restore_span.count(3));
    for (int b = 3; b > 1; --b) {
        if (!restore_span.count(b - 1)) continue;  // that batch only held disabled hosts
        INFO("batch " << b << " restored " << restore_span[b].first << " .. " << restore_span[b].second
                      << ", batch " << b - 1 << " from " << restore_span[b - 1].first);
        CHECK(restore_span[b].second <= restore_span[b - 1].first);
    }
}

TEST_CASE("max_fail_percentage counts unreachable hosts: 2 of 5 down halts at 39%, passes at 40%",
          "[rollout][integration]") {
    rollout_lab lab("threshold", {.hosts = 20, .octet = 66, .types = mixed_types,
                                  .faults = "[[fault]]\nkind = \"down\"\nhosts = [3, 5]\n"});
    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    // batches 1, 5, 14: the second holds hosts 2-6, two of them down (40%)
    const auto halted = lab.fleetmend("halted", {"run", "-i", lab.inventory(), playbook, "--yes", "--batches",
                                                 "1,5,100%", "--max-fail-percentage", "39", "--on-failure", "halt"});
    {
        INFO(describe(halted));
        REQUIRE(halted.report.is_object());
        CHECK(halted.exit_code == exit_halted);
        CHECK(schema_problems(halted.report) == std::vector<std::string>{});
        const auto& b2 = halted.report["rollout"]["batches"][1];
        CHECK(b2["failures"] == 2);
        CHECK(b2["halted"] == true);
        CHECK(b2["reason"].get<std::string>().find("2 of 5 hosts failed in batch 2") != std::string::npos);
        CHECK(status_of(halted.report, host_name(3)) == "unreachable");
        CHECK(status_of(halted.report, host_name(5)) == "unreachable");
        CHECK(halted.report["summary"]["skipped"] == 14);
        for (unsigned n = 7; n <= 20; ++n) CHECK(lab.applies(host_name(n)) == 0u);
    }
    // the same hosts at 40%: 2 of 5 is not more than allowed, the run goes on
    const auto passed = lab.fleetmend("passed", {"run", "-i", lab.inventory(), playbook, "--yes", "--batches",
                                                 "1,5,100%", "--max-fail-percentage", "40", "--on-failure", "halt"});
    INFO(describe(passed));
    REQUIRE(passed.report.is_object());
    CHECK(passed.exit_code == exit_unreachable);  // unreachable hosts, no other failure
    CHECK(schema_problems(passed.report) == std::vector<std::string>{});
    CHECK(passed.report["rollout"]["batches"][1]["failures"] == 2);
    CHECK(passed.report["summary"]["skipped"] == 0);
    CHECK(passed.report["summary"]["unreachable"] == 2);
    for (const auto& host : lab.hosts()) {
        if (host == host_name(3) || host == host_name(5)) continue;
        INFO(host);
        CHECK(lab.type_now(host) == "disabled");
        CHECK(lab.applies(host) == (lab.type_initially(host) == "disabled" ? 0u : 1u));
    }
}
