// Command templates and facts: remote output never becomes code, and facts
// come out of real netsh output (docs/TEREDO.md).
#include "orchestrator/config/command_template.hpp"
#include "orchestrator/config/playbook.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

namespace {

pattern default_safe() { return {"^[A-Za-z0-9_.:-]+$", boost::regex("^[A-Za-z0-9_.:-]+$")}; }

step teredo_capture() {
    step s;
    s.id = "teredo";
    const auto rx = [](const char* text) {
        return pattern{text, boost::regex(text, boost::regex::perl | boost::regex::no_mod_s)};
    };
    s.facts.push_back({"type", rx(R"(Type\s*:\s*(\w+))")});
    s.facts.push_back({"policy", rx(R"(Type\s*:\s*\w+\s*(\(Group Policy\)))")});
    s.facts.push_back({"state", rx(R"(State\s*:\s*(.+))")});
    return s;
}

constexpr const char* disabled_host =
    "Teredo Parameters\r\n"
    "---------------------------------------------\r\n"
    "Type                    : disabled\r\n"
    "Server Name             : teredo.ipv6.microsoft.com.\r\n"
    "Client Refresh Interval : 30 seconds\r\n"
    "Client Port             : unspecified\r\n"
    "State                   : offline\r\n"
    "Error                   : none\r\n";

constexpr const char* qualified_client =
    "Teredo Parameters\r\n"
    "---------------------------------------------\r\n"
    "Type                    : client\r\n"
    "Server Name             : teredo.ipv6.microsoft.com.\r\n"
    "Client Refresh Interval : 30 seconds\r\n"
    "Client Port             : unspecified\r\n"
    "State                   : qualified\r\n"
    "Client Type             : teredo client\r\n"
    "Network                 : unmanaged\r\n"
    "NAT                     : restricted\r\n"
    "NAT Special Behaviour   : UPNP: No, PortPreserving: Yes\r\n"
    "Local Mapping           : 192.168.1.20:52210\r\n"
    "External NAT Mapping    : 203.0.113.7:52210\r\n";

constexpr const char* group_policy_host =
    "Teredo Parameters\r\n"
    "---------------------------------------------\r\n"
    "Type                    : enterpriseclient (Group Policy)\r\n"
    "Server Name             : teredo.ipv6.microsoft.com.\r\n"
    "Client Refresh Interval : 30 seconds\r\n"
    "Client Port             : unspecified\r\n"
    "State                   : probe (primary server)\r\n"
    "Error                   : none\r\n";

template_values with_fact(std::string value) {
    template_values v;
    v.facts["teredo.type"] = std::move(value);
    v.host_name = "web07.dc1.corp.example";
    v.vars["site"] = "dc1";
    return v;
}

}  // namespace

TEST_CASE("extract_facts reads real netsh output", "[config][unit]") {
    SECTION("a disabled host") {
        const auto facts = extract_facts(teredo_capture(), disabled_host);
        CHECK(facts.at("teredo.type") == "disabled");
        CHECK(facts.at("teredo.state") == "offline");  // no trailing \r
        CHECK_FALSE(facts.contains("teredo.policy"));  // no match: the fact is missing, not empty
    }
    SECTION("a qualified client") {
        const auto facts = extract_facts(teredo_capture(), qualified_client);
        CHECK(facts.at("teredo.type") == "client");
        CHECK(facts.at("teredo.state") == "qualified");  // '.' stops at the line end
    }
    SECTION("a type set by Group Policy") {
        const auto facts = extract_facts(teredo_capture(), group_policy_host);
        CHECK(facts.at("teredo.type") == "enterpriseclient");
        CHECK(facts.at("teredo.policy") == "(Group Policy)");
        CHECK(facts.at("teredo.state") == "probe (primary server)");
    }
    SECTION("a rule without a group keeps the whole match") {
        step s;
        s.id = "c";
        s.facts.push_back({"ok", {"Ok\\.", boost::regex("Ok\\.")}});
        CHECK(extract_facts(s, "\r\nOk.\r\n").at("c.ok") == "Ok.");
        CHECK(extract_facts(s, "The requested operation requires elevation").empty());
    }
}

TEST_CASE("render_command fills facts, host.name and vars", "[config][unit]") {
    const auto safe = default_safe();
    auto out = render_command("netsh interface teredo set state type={{teredo.type}}", with_fact("enterpriseclient"), safe);
    REQUIRE(out.has_value());
    CHECK(*out == "netsh interface teredo set state type=enterpriseclient");
    out = render_command("echo {{ host.name }} {{vars.site}} {{teredo.type}}", with_fact("default"), safe);
    REQUIRE(out.has_value());
    CHECK(*out == "echo web07.dc1.corp.example dc1 default");
    CHECK(render_command("no placeholders", with_fact("x"), safe).value() == "no placeholders");
}

TEST_CASE("hostile facts never become part of a command", "[config][unit]") {
    const auto safe = default_safe();
    const char* hostile[] = {
        "client & shutdown /s",  "client|calc",  "client;rm -rf /", "client\"", "client'",
        "client\nshutdown /s",   "client\r\n",   "%COMSPEC%",       "`id`",     "$(id)",
        "client type",           "",             "cli>out.txt",     "a^&b",
    };
    for (const char* value : hostile) {
        INFO("fact value: " << value);
        auto out = render_command("netsh interface teredo set state type={{teredo.type}}", with_fact(value), safe);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().find("safe pattern") != std::string::npos);
    }
    // Vars are the admin's own inventory values: trusted as written.
    template_values v = with_fact("client");
    v.vars["site"] = "a & b";
    CHECK(render_command("echo {{vars.site}}", v, safe).value() == "echo a & b");
}

TEST_CASE("render_command reports unknown names and bad templates", "[config][unit]") {
    const auto safe = default_safe();
    CHECK(render_command("x={{teredo.missing}}", with_fact("client"), safe).error().find("was not captured") !=
          std::string::npos);
    CHECK(render_command("x={{vars.nope}}", with_fact("client"), safe).error().find("no var 'nope'") != std::string::npos);
    CHECK_FALSE(render_command("x={{teredo.type", with_fact("client"), safe).has_value());
    CHECK_FALSE(render_command("x={{}}", with_fact("client"), safe).has_value());
    CHECK_FALSE(render_command("x={{a b}}", with_fact("client"), safe).has_value());
}

TEST_CASE("scan_template lists placeholders in order", "[config][unit]") {
    auto refs = scan_template("a {{x.y}} b {{ host.name }}");
    REQUIRE(refs.has_value());
    REQUIRE(refs->size() == 2);
    CHECK((*refs)[0].name == "x.y");
    CHECK((*refs)[0].offset == 2);
    CHECK((*refs)[1].name == "host.name");
}
