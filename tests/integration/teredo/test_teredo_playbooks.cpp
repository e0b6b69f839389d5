// The Teredo and miredo playbooks users copy load without errors and keep the
// promises their headers make (Group Policy awareness, restore by captured type).
#include "orchestrator/config/playbook.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace fleetmend;

namespace {
playbook load(const char* name) {
    const auto book = load_playbook(std::string(FLEETMEND_SOURCE_DIR "/playbooks/") + name);
    INFO((book ? std::string() : book.error().message));
    REQUIRE(book.has_value());
    return *book;
}

const step* find_probe(const playbook& book) {
    const auto found = std::ranges::find_if(book.verify, [](const step& s) { return s.probe == probe_kind::teredo; });
    return found == book.verify.end() ? nullptr : &*found;
}
}  // namespace

TEST_CASE("miredo-disable.toml loads and proves from outside that no Teredo server answers", "[playbook][unit]") {
    const auto book = load("miredo-disable.toml");
    CHECK(book.platform == "linux");
    REQUIRE(find_probe(book) != nullptr);
    CHECK(find_probe(book)->probe_expect == probe_expectation::no_answer);
    CHECK(book.compliant.at("miredo.server_running") == "stopped");
    CHECK(book.compliant.at("miredo.server_enabled") == "disabled");
    REQUIRE_FALSE(book.rollback.empty());
    CHECK(book.rollback.front().run.find("{{miredo.server_running}}") != std::string::npos);
}

TEST_CASE("the miredo capture reads the same facts under systemd and sysvinit", "[playbook][unit]") {
    const auto book = load("miredo-disable.toml");
    const auto facts = extract_facts(book.capture.front(),
                                     "init=systemd\nclient_installed=no\nclient_running=stopped\nclient_enabled=disabled\n"
                                     "server_installed=yes\nserver_running=running\nserver_enabled=enabled\n");
    CHECK(facts.at("miredo.init") == "systemd");
    CHECK(facts.at("miredo.client_running") == "stopped");  // not confused with server_running
    CHECK(facts.at("miredo.server_running") == "running");
    CHECK(facts.at("miredo.server_enabled") == "enabled");
}

namespace {
const step& policy_check(const playbook& book) {
    const auto found =
        std::ranges::find_if(book.verify, [](const step& s) { return s.name == "no Group Policy keeps Teredo on"; });
    REQUIRE(found != book.verify.end());
    return *found;
}

bool passes(const step& s, const std::string& stdout_text) {
    REQUIRE(s.expect.stdout_match);
    return boost::regex_search(stdout_text, s.expect.stdout_match->compiled);
}

std::string reg_output(const std::string& value) {
    return "\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition\r\n"
           "    Teredo_State    REG_SZ    " + value + "\r\n\r\n";
}
}  // namespace

TEST_CASE("the Windows playbooks fail verification when Group Policy keeps Teredo on, and say which policy",
          "[playbook][unit]") {
    for (const char* name : {"teredo-disable.toml", "teredo-disable-powershell.toml"}) {
        INFO(name);
        const auto book = load(name);
        const auto& check = policy_check(book);
        CHECK_FALSE(check.expect.exit_code.has_value());  // reg exits 1 when no policy is set
        CHECK(passes(check, ""));                         // no policy at all
        CHECK(passes(check, reg_output("Disabled")));     // policy agrees with us
        CHECK_FALSE(passes(check, reg_output("Enterprise Client")));
        CHECK_FALSE(passes(check, reg_output("Client")));
        CHECK_FALSE(passes(check, reg_output("Default")));
        CHECK(check.hint.find("Set Teredo State") != std::string::npos);
        CHECK(check.hint.find("HKLM\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition") != std::string::npos);
        CHECK(check.hint.find("Teredo_State") != std::string::npos);
        // The policy value is captured for the report.
        const auto facts = extract_facts(book.capture.at(1), reg_output("Enterprise Client"));
        CHECK(facts.at("policy.teredo_state") == "Enterprise");
        REQUIRE(find_probe(book) != nullptr);
        CHECK(find_probe(book)->probe_expect == probe_expectation::no_answer);
    }
}

TEST_CASE("the PowerShell playbook judges by Type and restores the captured type", "[playbook][unit]") {
    const auto book = load("teredo-disable-powershell.toml");
    CHECK(book.capture.front().shell == shell_kind::powershell);
    for (const auto& s : book.verify) CHECK(s.run.find("Get-NetTeredoState") == std::string::npos);
    const auto facts = extract_facts(book.capture.front(),
                                     "\r\n\r\nPolicyStore            : ActiveStore\r\nType                   : Enterpriseclient\r\n"
                                     "ServerName             : win10.ipv6.microsoft.com\r\n");
    CHECK(facts.at("teredo.type") == "Enterpriseclient");
    CHECK(book.compliant.at("teredo.type") == "Disabled");
    const auto rollback = render_command(book.rollback.front().run, template_values{facts, {}, "web01"}, book.safe_fact_pattern);
    REQUIRE(rollback.has_value());
    CHECK(rollback->find("Set-NetTeredoConfiguration -Type Enterpriseclient") != std::string::npos);
}

namespace {
// netsh output as docs/TEREDO.md describes it, with CRLF like Windows; `type_label` and
// the suffix stand in for localized Windows (labels change, values do not).
std::string netsh_state(const std::string& type_label, const std::string& type_value, const std::string& state) {
    return "Teredo Parameters\r\n---------------------------------------------\r\n" + type_label +
           "                    : " + type_value + "\r\nServer Name             : teredo.ipv6.microsoft.com.\r\n"
           "Client Refresh Interval : 30 seconds\r\nClient Port             : unspecified\r\nState                   : " +
           state + "\r\nError                   : none\r\n";
}
}  // namespace

TEST_CASE("teredo-disable.toml reads Type by position, so localized netsh output works too", "[playbook][unit]") {
    const auto book = load("teredo-disable.toml");
    const step& capture = book.capture.front();
    const auto type_check = std::ranges::find_if(book.verify, [](const step& s) { return s.name == "teredo type is disabled"; });
    REQUIRE(type_check != book.verify.end());

    SECTION("English, disabled: compliant, and verify passes") {
        const auto out = netsh_state("Type", "disabled", "offline");
        CHECK(extract_facts(capture, out).at("teredo.type") == "disabled");
        CHECK_FALSE(extract_facts(capture, out).contains("teredo.policy"));
        CHECK(passes(*type_check, out));
    }
    SECTION("a client that is offline is still a client (judged by Type, not State)") {
        const auto out = netsh_state("Type", "client", "offline");
        CHECK(extract_facts(capture, out).at("teredo.type") == "client");
        CHECK_FALSE(passes(*type_check, out));
    }
    SECTION("Group Policy suffix is captured as the policy fact") {
        const auto out = netsh_state("Type", "enterpriseclient (Group Policy)", "qualified");
        const auto facts = extract_facts(capture, out);
        CHECK(facts.at("teredo.type") == "enterpriseclient");
        CHECK(facts.at("teredo.policy") == "(Group Policy)");
        CHECK_FALSE(passes(*type_check, out));
    }
    SECTION("German labels: the same facts, the same verdicts") {
        const auto disabled = netsh_state("Typ ", "disabled", "offline");
        CHECK(extract_facts(capture, disabled).at("teredo.type") == "disabled");
        CHECK(passes(*type_check, disabled));
        const auto policy = netsh_state("Typ ", "client (Gruppenrichtlinie)", "dormant");
        CHECK(extract_facts(capture, policy).at("teredo.type") == "client");
        CHECK(extract_facts(capture, policy).at("teredo.policy") == "(Gruppenrichtlinie)");
        CHECK_FALSE(passes(*type_check, policy));
    }
}
