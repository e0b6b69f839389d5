// The pure parts of what surrounds a run: exec's grouped answers, the plan's
// per-host commands with placeholders, and validate's readiness checks.
#include "config_test_support.hpp"
#include "orchestrator/config/command_preview.hpp"
#include "orchestrator/config/run_readiness.hpp"
#include "orchestrator/engine/plan_preview.hpp"
#include "orchestrator/report/output_groups.hpp"
#include "report_fixture.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using fleetmend::test::fixture_step;
using fleetmend::test::fixture_time;
using fleetmend::test::temp_folder;

namespace {

/// An exec report: each host ran the command with that exit code and stdout,
/// or (exit < 0) was unreachable.
run_report exec_report(const std::vector<std::tuple<std::string, int, std::string>>& hosts) {
    std::vector<run_event> ev;
    run_started start;
    start.run_id = "20261127T100000Z-e0e0";
    std::vector<std::string> names;
    for (const auto& h : hosts) names.push_back(std::get<0>(h));
    start.batches = {names};
    ev.emplace_back(start);
    ev.emplace_back(batch_started{1, fixture_time(1)});
    for (const auto& [name, exit, out] : hosts) {
        ev.emplace_back(host_started{name, "127.0.0.1", transport_kind::winrm, 1, fixture_time(1)});
        if (exit < 0) {
            ev.emplace_back(host_finished{name, host_status::unreachable, error_kind::unreachable, "connect: refused",
                                          fixture_time(2)});
            continue;
        }
        ev.emplace_back(step_finished{name, fixture_step(phase::apply, "exec", "whoami", 1, exit, exit == 0, out)});
        ev.emplace_back(host_finished{name, exit == 0 ? host_status::changed : host_status::failed, std::nullopt, "",
                                      fixture_time(2)});
    }
    ev.emplace_back(run_finished{false, fixture_time(3)});
    return build_report(ev);
}

}  // namespace

TEST_CASE("exec answers: identical output and exit grouped once with count and names, largest group first",
          "[report][unit]") {
    const auto report = exec_report({{"w1", 0, "lab\\administrator\r\n"},
                                     {"w2", 1, "denied\r\n"},
                                     {"w3", 0, "lab\\administrator\r\n"},
                                     {"w4", -1, ""},
                                     {"w5", 0, "lab\\administrator\r\n"}});
    const auto groups = group_outputs(report);
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].hosts == std::vector<std::string>{"w1", "w3", "w5"});
    CHECK(groups[0].exit_code == 0);
    CHECK(groups[1].hosts == std::vector<std::string>{"w2"});
    CHECK(groups[2].status == "unreachable");
    const auto text = render_output_groups(groups);
    CHECK_THAT(text, Catch::StartsWith("---- 3 hosts, exit 0: w1, w3, w5\nlab\\administrator\n"));
    CHECK_THAT(text, Catch::Contains("---- 1 host, exit 1: w2\ndenied\n"));
    CHECK_THAT(text, Catch::Contains("---- 1 host, unreachable: w4\nconnect: refused\n"));

    const auto json = host_outputs_json(report);
    REQUIRE(json.size() == 5);
    CHECK(json[1]["host"] == "w2");
    CHECK(json[1]["exit_code"] == 1);
    CHECK(json[1]["stdout"] == "denied\r\n");
    CHECK(json[3]["exit_code"].is_null());
    CHECK(json[3]["error"] == "unreachable");
}

TEST_CASE("exec answers cannot put terminal controls on the admin's screen", "[report][unit]") {
    const auto text = render_output_groups(group_outputs(exec_report({{"w1", 0, "ok\x1b[2J\x07\n"}})));
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
}

TEST_CASE("a previewed command fills host.name and vars, names a fact's capture, flags what nothing defines",
          "[config][unit]") {
    preview_values values{"web01", {{"site", "dc1"}}, {}, {{"teredo.type", "teredo"}}};
    CHECK(preview_command("netsh set type={{teredo.type}} # {{host.name}} {{ vars.site }}", values) ==
          "netsh set type=<teredo.type, from capture 'teredo'> # web01 dc1");
    CHECK(preview_command("echo {{vars.rack}}", values) == "echo <vars.rack: NOT DEFINED for this host>");
    CHECK(preview_command("echo {{x.y}}", values) == "echo <x.y: no capture step produces it>");
    values.facts["teredo.type"] = "client";  // rollback --check: the report's facts
    CHECK(preview_command("set type={{teredo.type}}", values) == "set type=client");
}

TEST_CASE("the plan of a host lists every step with its command and when it runs, alike hosts shown once",
          "[engine][unit]") {
    temp_folder dir;
    auto book = load_playbook(std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml");
    REQUIRE(book.has_value());
    host_entry a, b;
    a.name = "win001";
    b.name = "win002";
    const auto steps = preview_run(*book, a, failure_policy::rollback_batch);
    REQUIRE_FALSE(steps.empty());
    CHECK(steps.front().phase == "capture");
    bool compliant = false, rollback = false;
    for (const auto& s : steps) {
        compliant = compliant || s.phase == "compliant?";
        if (s.phase == "rollback") {
            rollback = true;
            CHECK(s.command == "netsh interface teredo set state type=<teredo.type, from capture 'teredo'>");
            CHECK(s.when == "on failure: rollback-batch");
        }
    }
    CHECK(compliant);
    CHECK(rollback);
    const auto text = render_previews({{&a, 1, steps}, {&b, 2, preview_run(*book, b, failure_policy::rollback_batch)}});
    CHECK_THAT(text, Catch::StartsWith("\n2 hosts: win001 (batch 1, winrm win001), win002 (batch 2, winrm win002)\n"));
}

TEST_CASE("readiness: files a connection reads, vars a host lacks, templates in expect, shells, no apply",
          "[config][unit]") {
    temp_folder dir;
    const auto inventory_path = dir.write("inv.toml", R"(
[defaults]
transport = "winrm"
user = "u"
password = { file = "/nonexistent/password" }
[defaults.winrm]
scheme = "https"
ca_file = "/nonexistent/ca.pem"
[hosts.a]
vars = { site = "x" }
[hosts.b]
)");
    const auto playbook_path = dir.write("book.toml", R"(
name = "p"
platform = "windows"
targets = "all"
[[capture]]
id = "t"
run = "netsh interface teredo show state"
facts.type = 'Type\s*:\s*(\w+)'
[[verify]]
name = "v"
run = "echo {{vars.site}} {{t.type}}"
shell = "sh"
expect = { stdout = '{{t.type}}' }
)");
    auto inv = load_inventory(inventory_path);
    REQUIRE(inv.has_value());
    auto book = load_playbook(playbook_path);
    REQUIRE(book.has_value());
    std::vector<const host_entry*> targets;
    for (const auto& h : inv->hosts) targets.push_back(&h);
    const auto problems = check_run_readiness(*inv, *book, targets);
    std::string all;
    for (const auto& p : problems) all += p.where + ": " + p.message + "\n";
    INFO(all);
    CHECK_THAT(all, Catch::Contains("password file of a, b: /nonexistent/password does not exist"));
    CHECK_THAT(all, Catch::Contains("winrm.ca_file of a, b: /nonexistent/ca.pem does not exist"));
    CHECK_THAT(all, Catch::Contains("no [[apply]] steps"));
    CHECK_THAT(all, Catch::Contains("{{vars.site}} is not defined for b (1 of 2 targeted hosts)"));
    CHECK_THAT(all, Catch::Contains("expect regexes are never filled"));
    CHECK_THAT(all, Catch::Contains("shell sh does not fit platform windows"));
    CHECK(problems.size() == 6);

    // A default in the playbook's [vars] fills the variable for every host.
    book->vars["site"] = "";
    for (const auto& p : check_run_readiness(*inv, *book, targets)) CHECK_THAT(p.message, !Catch::Contains("vars.site"));
}
