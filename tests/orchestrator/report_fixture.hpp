#pragma once
// A fixed run used by the report and journal tests: two batches, every kind
// of outcome, and remote text that needs escaping in every rendering.
#include "orchestrator/report/events.hpp"

#include <chrono>
#include <vector>

namespace fleetmend::test {

inline wall_time fixture_time(int seconds, int millis = 0) {
    using namespace std::chrono;
    return wall_time{sys_days{year{2026} / 11 / 27}.time_since_epoch() + hours{8} + std::chrono::seconds{seconds} +
                     milliseconds{millis}};
}

inline step_record fixture_step(phase p, std::string name, std::string command, int seconds, std::optional<int> exit,
                                bool ok, std::string out = {}, std::string err = {}) {
    step_record s;
    s.in_phase = p;
    s.name = std::move(name);
    s.command = std::move(command);
    s.exit_code = exit;
    s.stdout_excerpt = std::move(out);
    s.stderr_excerpt = std::move(err);
    s.stdout_total_bytes = s.stdout_excerpt.size();
    s.stderr_total_bytes = s.stderr_excerpt.size();
    s.started = fixture_time(seconds);
    s.duration = std::chrono::milliseconds{120};
    s.ok = ok;
    if (!ok) s.message = "expectation did not hold";
    return s;
}

/// The events of a small Teredo run:
///   batch 1: web01 changed (client -> disabled)
///   batch 2: web02 unchanged, web03 failed (apply refused, stderr with markup),
///            web04 unreachable, web05 rolled back; batch 2 halts
///   batch 3: web06 never attempted (skipped)
inline std::vector<run_event> fixture_events() {
    const std::string show = "netsh interface teredo show state";
    std::vector<run_event> ev;
    run_started start;
    start.run_id = "20261127T080000Z-3f9a";
    start.mode = run_mode::apply;
    start.tool_version = "0.1.0";
    start.playbook_path = "playbooks/teredo-disable.toml";
    start.playbook_sha256 = "5f0c6bd3a0e5f1b0f2f6d1c3a8e9b7d6c5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0";
    start.inventory_path = "inventories/lab.toml";
    start.inventory_sha256 = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e";
    start.rollout.batches = {{false, 1}, {true, 50}, {true, 100}};
    start.rollout.concurrency = 4;
    start.rollout.max_fail_percentage = 25;
    start.rollout.on_failure = failure_policy::rollback_host;
    start.batches = {{"web01"}, {"web02", "web03", "web04", "web05"}, {"web06"}};
    start.at = fixture_time(0);
    ev.emplace_back(start);

    ev.emplace_back(batch_started{1, fixture_time(1)});
    ev.emplace_back(host_started{"web01", "127.0.0.11", transport_kind::winrm, 1, fixture_time(1)});
    ev.emplace_back(step_started{"web01", phase::capture, "teredo", fixture_time(1)});
    ev.emplace_back(step_finished{"web01", fixture_step(phase::capture, "teredo", show, 1, 0, true,
                                                          "Teredo Parameters\r\nType : client\r\n")});
    ev.emplace_back(facts_captured{"web01", true, {{"teredo.type", "client"}}});
    ev.emplace_back(step_started{"web01", phase::apply, "disable teredo", fixture_time(2)});
    ev.emplace_back(step_finished{"web01", fixture_step(phase::apply, "disable teredo",
                                                          "netsh interface teredo set state type=disabled", 2, 0, true,
                                                          "Ok.\r\n")});
    ev.emplace_back(facts_captured{"web01", false, {{"teredo.type", "disabled"}}});
    ev.emplace_back(host_finished{"web01", host_status::changed, std::nullopt, "", fixture_time(3), {1, 1, 1}});
    ev.emplace_back(batch_finished{1, 0, false, "", fixture_time(3)});

    ev.emplace_back(batch_started{2, fixture_time(4)});
    for (const char* name : {"web02", "web03", "web04", "web05"})
        ev.emplace_back(host_started{name, std::string("127.0.0.1") + name[4], transport_kind::winrm, 2, fixture_time(4)});
    ev.emplace_back(step_finished{"web02", fixture_step(phase::capture, "teredo", show, 4, 0, true, "Type : disabled\r\n")});
    ev.emplace_back(facts_captured{"web02", true, {{"teredo.type", "disabled"}}});
    ev.emplace_back(host_finished{"web02", host_status::unchanged, std::nullopt, "", fixture_time(5), {1, 1, 1}});

    ev.emplace_back(step_finished{"web03", fixture_step(phase::capture, "teredo", show, 4, 0, true, "Type : default\r\n")});
    ev.emplace_back(facts_captured{"web03", true, {{"teredo.type", "default"}}});
    ev.emplace_back(step_finished{"web03", fixture_step(phase::apply, "disable teredo",
                                                          "netsh interface teredo set state type=disabled", 5, 1, false,
                                                          "", "The requested operation requires elevation <b>&\"now\"</b>")});
    ev.emplace_back(host_finished{"web03", host_status::failed, std::nullopt,
                                  "apply 'disable teredo' exited 1: run as an administrator <b>", fixture_time(6),
                                  {1, 1, 1}});

    ev.emplace_back(host_finished{"web04", host_status::unreachable, error_kind::unreachable,
                                  "connect to 127.0.0.14:5985 refused; is WinRM listening?", fixture_time(6)});

    ev.emplace_back(step_finished{"web05", fixture_step(phase::capture, "teredo", show, 4, 0, true,
                                                          "Type : enterpriseclient\r\n")});
    ev.emplace_back(facts_captured{"web05", true, {{"teredo.type", "enterpriseclient"}}});
    auto verify = fixture_step(phase::verify, "teredo type is disabled", show, 5, 0, false, "Type : client | x\r\n");
    verify.attempts = 3;
    ev.emplace_back(step_finished{"web05", verify});
    ev.emplace_back(step_finished{"web05", fixture_step(phase::rollback, "restore previous type",
                                                          "netsh interface teredo set state type=enterpriseclient", 6,
                                                          0, true)});
    ev.emplace_back(facts_captured{"web05", false, {{"teredo.type", "enterpriseclient"}}});
    ev.emplace_back(host_finished{"web05", host_status::rolled_back, std::nullopt,
                                  "verify 'teredo type is disabled' failed after 3 attempts", fixture_time(7),
                                  {1, 1, 2}});  // its shell was lost once
    ev.emplace_back(batch_finished{2, 2, true, "2 of 4 hosts failed (50% > 25%)", fixture_time(7)});
    ev.emplace_back(run_finished{false, fixture_time(8)});
    return ev;
}

}  // namespace fleetmend::test
