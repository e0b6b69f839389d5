// The other Teredo playbooks on the lab, whose simulated Windows hosts
// answer netsh advfirewall, reg add/query/delete, wevtutil, ping and dir as
// Windows does: exact rollback from the captured state, smoke tests that
// fail a host and roll it back, event-log excerpts, and preflight.
#include "rollout_support.hpp"
#include "tests/integration/support/child_process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace fleetmend::test;

namespace {

const std::string books = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/";
const std::string rule = "fleetmend-block-teredo-inbound-udp-3544";

std::string host_name(unsigned n) { return lab_host_name(n); }

/// A shipped playbook with some text replaced, written into the lab's folder.
std::string derived(const rollout_lab& lab, const std::string& name, const std::string& from, const std::string& to) {
    std::string text = read_text(books + name);
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    const auto path = lab.dir() / ("derived-" + name);
    std::ofstream(path) << text;
    return path.string();
}

std::string fact(const nlohmann::json& report, const std::string& host, const char* which, const std::string& name) {
    const auto& facts = report_host(report, host)[which];
    return facts.contains(name) ? facts[name].get<std::string>() : std::string("<missing>");
}

/// The stdout of the host's last capture step named `name`.
std::string last_capture(const nlohmann::json& report, const std::string& host, const std::string& name) {
    std::string out;
    for (const auto& s : report_host(report, host)["steps"])
        if (s["name"] == name) out = s["stdout_excerpt"].get<std::string>();
    return out;
}

}  // namespace

TEST_CASE("teredo-firewall.toml adds its block rule, verifies it, and rollback deletes only the rule it added",
          "[rollout][playbook][integration]") {
    rollout_lab lab("firewall", {.hosts = 4, .octet = 85, .types = "[types]\nclient = 1\n"});
    const auto playbook = books + "teredo-firewall.toml";
    // host 1 gets the rule from an earlier run: it must keep it through the rollback below
    const auto first = lab.fleetmend("first", {"run", "-i", lab.inventory(), playbook, "--yes", "--limit", host_name(1)});
    INFO(describe(first));
    REQUIRE(first.exit_code == 0);
    CHECK(fact(first.report, host_name(1), "facts_before", "firewall.rule") == "absent");
    CHECK(fact(first.report, host_name(1), "facts_after", "firewall.rule") == rule);

    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook, "--yes"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(status_of(run.report, host_name(1)) == "unchanged");
    for (unsigned n = 2; n <= 4; ++n) {
        INFO(host_name(n));
        CHECK(status_of(run.report, host_name(n)) == "changed");
        CHECK(fact(run.report, host_name(n), "facts_after", "firewall.rule") == rule);
        CHECK(lab.type_now(host_name(n)) == "client");  // Teredo stays; only its port is blocked
    }
    CHECK(run.report["preflight"]["hosts"] == 4);  // the playbook asks for preflight

    const auto back = lab.fleetmend("back", {"rollback", "-i", lab.inventory(), "--from", lab.report_path("run").string(),
                                             "--hosts", "all", "--yes"});
    INFO(describe(back));
    REQUIRE(back.report.is_object());
    CHECK(back.exit_code == 0);
    CHECK(report_host(back.report, host_name(1)).is_null());  // unchanged by that run: its rule is not that run's to delete
    for (unsigned n = 2; n <= 4; ++n) {
        INFO(host_name(n));
        CHECK(status_of(back.report, host_name(n)) == "rolled-back");
        CHECK(fact(back.report, host_name(n), "facts_after", "firewall.rule") == "absent");
    }
    // what the hosts hold now: host 1 still has its rule, the others none
    const auto now = lab.fleetmend("now", {"run", "-i", lab.inventory(), playbook, "--check"});
    INFO(describe(now));
    REQUIRE(now.report.is_object());
    CHECK(status_of(now.report, host_name(1)) == "unchanged");
    for (unsigned n = 2; n <= 4; ++n) CHECK(status_of(now.report, host_name(n)) == "would-change");
}

TEST_CASE("teredo-baseline.toml sets the policy value and the type, rollback restores both exactly",
          "[rollout][playbook][integration]") {
    // host 2: Group Policy already holds Teredo_State = Enterprise Client
    rollout_lab lab("baseline", {.hosts = 3, .octet = 86, .types = "[types]\nclient = 1\n",
                                 .faults = "[[fault]]\nkind = \"group-policy\"\nhosts = [2]\npolicy_type = \"enterpriseclient\"\n"});
    const auto playbook = books + "teredo-baseline.toml";
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook, "--yes"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(fact(run.report, host_name(1), "facts_before", "policy.value") == "absent");
    CHECK(fact(run.report, host_name(2), "facts_before", "policy.value") == "Enterprise Client");
    for (const auto& host : lab.hosts()) {
        INFO(host);
        CHECK(status_of(run.report, host) == "changed");
        CHECK(fact(run.report, host, "facts_after", "policy.value") == "Disabled");
        CHECK(lab.type_now(host) == "disabled");
        // event-log evidence: the IP Helper event of Teredo going down, captured after
        CHECK_THAT(last_capture(run.report, host, "events"), Catch::Contains("Event ID: 4201"));
    }

    const auto back = lab.fleetmend("back", {"rollback", "-i", lab.inventory(), "--from", lab.report_path("run").string(), "--yes"});
    INFO(describe(back));
    REQUIRE(back.report.is_object());
    CHECK(back.exit_code == 0);
    CHECK(fact(back.report, host_name(1), "facts_after", "policy.value") == "absent");  // deleted: there was none
    CHECK(fact(back.report, host_name(2), "facts_after", "policy.value") == "Enterprise Client");
    for (const auto& host : lab.hosts()) {
        INFO(host);
        CHECK(status_of(back.report, host) == "rolled-back");
        // host 2's type came from the policy value, which is back
        CHECK(lab.type_now(host) == (host == host_name(2) ? std::string("enterpriseclient") : lab.type_initially(host)));
    }
}

TEST_CASE("a failed smoke test fails the host and rolls it back by policy", "[rollout][playbook][integration]") {
    for (const char* book : {"teredo-disable.toml", "teredo-baseline.toml"}) {
        INFO(book);
        // host 2 reaches the smoke target only through Teredo (no native IPv6)
        rollout_lab lab("smoke", {.hosts = 3, .octet = 87, .types = "[types]\nclient = 1\n",
                                  .faults = "[[fault]]\nkind = \"needs-teredo\"\nhosts = [2]\n"});
        const auto playbook = derived(lab, book, "smoke_target = \"\"", "smoke_target = \"192.0.2.1\"");
        const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), playbook, "--yes", "--on-failure",
                                               "rollback-host", "--max-fail-percentage", "100"});
        INFO(describe(run));
        REQUIRE(run.report.is_object());
        CHECK(run.exit_code == 2);
        CHECK(status_of(run.report, host_name(2)) == "rolled-back");
        CHECK_THAT(report_host(run.report, host_name(2))["error"].get<std::string>(), Catch::Contains("smoke"));
        CHECK(lab.type_now(host_name(2)) == "client");
        CHECK(status_of(run.report, host_name(1)) == "changed");
        CHECK(status_of(run.report, host_name(3)) == "changed");
        // smoke_share is empty: that smoke test is recorded as not run, and passes
        bool share_step = false;
        for (const auto& s : report_host(run.report, host_name(1))["steps"]) {
            if (s["name"] != "smoke: the host still lists vars.smoke_share") continue;
            share_step = true;
            CHECK(s["ok"] == true);
            CHECK(s["attempts"] == 0);
            CHECK_THAT(s["message"].get<std::string>(), Catch::Contains("not run: vars.smoke_share is empty"));
        }
        CHECK(share_step);
    }
}

TEST_CASE("preflight leaves out hosts it cannot reach or change, or stops the run before anything changed",
          "[rollout][preflight][integration]") {
    rollout_lab lab("preflight", {.hosts = 4, .octet = 88, .types = "[types]\nclient = 1\n",
                                  .faults = "[[fault]]\nkind = \"down\"\nhosts = [3]\n"
                                            "[[fault]]\nkind = \"not-elevated\"\nhosts = [4]\n"});
    const auto stop = derived(lab, "teredo-baseline.toml", "preflight_failure = \"exclude\"", "preflight_failure = \"stop\"");
    const auto stopped = lab.fleetmend("stopped", {"run", "-i", lab.inventory(), stop, "--yes"});
    INFO(describe(stopped));
    CHECK(stopped.exit_code == 2);
    CHECK_THAT(stopped.output, Catch::Contains("preflight: 4 hosts checked"));
    CHECK_THAT(stopped.output, Catch::Contains("not elevated"));
    for (const auto& host : lab.hosts()) CHECK(lab.applies(host) == 0u);

    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), books + "teredo-baseline.toml", "--yes"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 2);  // two hosts were left unfixed: one of them reachable (not elevated)
    CHECK(schema_problems(run.report) == std::vector<std::string>{});
    CHECK(run.report["preflight"]["hosts"] == 4);
    CHECK(run.report["preflight"]["passed"] == 2);
    REQUIRE(run.report["preflight"]["failed"].size() == 2);
    CHECK(run.report["hosts"].size() == 2);
    CHECK(status_of(run.report, host_name(1)) == "changed");
    CHECK(status_of(run.report, host_name(2)) == "changed");
    CHECK(lab.applies(host_name(4)) == 0u);
    CHECK_THAT(run.output, Catch::Contains("preflight: 4 hosts checked"));
}
