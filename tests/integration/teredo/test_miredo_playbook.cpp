// playbooks/miredo-disable.toml, step by step, on a real sysvinit-style host
// (init.d scripts, update-rc.d, a real miredo-server) in a network namespace,
// with the probe checking from the client namespace what a scanner would see.
// The same flow through `fleetmend run` over SSH is in test_e2e_miredo.cpp.
#include "orchestrator/config/playbook.hpp"
#include "transports/probe/teredo_probe.hpp"

#include "linux_host.hpp"
#include "teredo_netns.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

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

std::map<std::string, std::string> capture(const linux_host& host, const playbook& book) {
    std::map<std::string, std::string> facts;
    for (const auto& s : book.capture) {
        const auto out = host.run(s.run);
        INFO(out.output);
        REQUIRE(out.exit_code == 0);
        facts.merge(extract_facts(s, out.output));
    }
    return facts;
}

bool compliant(const playbook& book, const std::map<std::string, std::string>& facts) {
    for (const auto& [name, wanted] : book.compliant) {
        const auto found = facts.find(name);
        if (found == facts.end() || found->second != wanted) return false;
    }
    return true;
}

void run_steps(const linux_host& host, const std::vector<step>& steps, const playbook& book,
               const std::map<std::string, std::string>& facts) {
    for (const auto& s : steps) {
        if (s.probe != probe_kind::none) continue;  // probes are checked by the test itself
        const auto command = render_command(s.run, template_values{facts, {}, "teredo-server"}, book.safe_fact_pattern);
        REQUIRE(command.has_value());
        command_output out;
        for (int attempt = 0; attempt <= s.retries; ++attempt) {
            out = host.run(*command);
            if (out.exit_code == 0) break;
            std::this_thread::sleep_for(s.delay);
        }
        INFO(s.name << ":\n" << out.output);
        CHECK(out.exit_code == 0);
    }
}

}  // namespace

TEST_CASE("the miredo playbook stops and disables a running miredo-server, and its rollback restores it",
          "[playbook][integration]") {
    if (const auto reason = teredo_netns_unavailable_reason(); !reason.empty()) skip_test(reason);
    const auto book = load_playbook(FLEETMEND_SOURCE_DIR "/playbooks/miredo-disable.toml");
    REQUIRE(book.has_value());
    teredo_netns net;
    linux_host host(net);
    host.start_miredo_server_service();
    REQUIRE(host.miredo_server_running());
    REQUIRE(teredo_answers(net));

    const auto before = capture(host, *book);
    CHECK(before.at("miredo.init") == "sysvinit");
    CHECK(before.at("miredo.server_installed") == "yes");
    CHECK(before.at("miredo.server_running") == "running");
    CHECK(before.at("miredo.server_enabled") == "enabled");
    REQUIRE_FALSE(compliant(*book, before));

    run_steps(host, book->apply, *book, before);
    run_steps(host, book->verify, *book, before);
    CHECK_FALSE(host.miredo_server_running());
    CHECK_FALSE(host.miredo_server_enabled());
    CHECK_FALSE(teredo_netns::udp_port_bound(net.server_ns(), 3544));
    CHECK_FALSE(teredo_answers(net));
    const auto after = capture(host, *book);
    CHECK(compliant(*book, after));

    run_steps(host, book->rollback, *book, before);
    CHECK(capture(host, *book) == before);
    CHECK(host.miredo_server_enabled());
    CHECK(teredo_answers(net));
}

TEST_CASE("the miredo playbook leaves a stopped, disabled host compliant", "[playbook][integration]") {
    if (const auto reason = teredo_netns_unavailable_reason(); !reason.empty()) skip_test(reason);
    const auto book = load_playbook(FLEETMEND_SOURCE_DIR "/playbooks/miredo-disable.toml");
    REQUIRE(book.has_value());
    teredo_netns net;
    linux_host host(net);
    REQUIRE(host.run("update-rc.d miredo disable && update-rc.d miredo-server disable").exit_code == 0);
    const auto facts = capture(host, *book);
    CHECK(facts.at("miredo.server_running") == "stopped");
    CHECK(compliant(*book, facts));
}
