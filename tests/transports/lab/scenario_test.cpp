#include "transports/lab/lab_inventory.hpp"
#include "transports/lab/scenario.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

using namespace fleetmend::lab;

TEST_CASE("the embedded default scenario parses and mixes groups, types and faults", "[lab][unit]") {
    const auto s = parse_scenario(default_scenario_text(), "default");
    REQUIRE(s.has_value());
    const auto hosts = expand_hosts(*s);
    REQUIRE(hosts.has_value());
    REQUIRE(hosts->size() == 40);
    CHECK((*hosts)[0].name == "win001.lab.example");
    CHECK((*hosts)[0].address == "127.1.0.1");
    CHECK((*hosts)[16].faults.not_elevated);
    CHECK((*hosts)[30].faults.down);
    std::set<teredo_type> types;
    std::set<std::string> groups;
    for (const auto& h : *hosts) {
        types.insert(h.initial_type);
        groups.insert(h.group);
    }
    CHECK(types.size() == 4);
    CHECK(groups.size() == 3);
}

TEST_CASE("a scenario typo is an error with its line", "[lab][unit]") {
    const auto s = parse_scenario("hosts = 3\nhostz = 4\n", "typo.toml");
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().find("typo.toml:2:") != std::string::npos);
    CHECK(s.error().find("hostz") != std::string::npos);
}

TEST_CASE("a fault whose hosts is not a list is an error rather than a fault on no host", "[lab][unit]") {
    const auto s = parse_scenario("hosts = 3\n\n[[fault]]\nkind = \"slow\"\nhosts = \"all\"\nlatency = \"1s\"\n",
                                  "faults.toml");
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().find("faults.toml:5:") != std::string::npos);
    CHECK(s.error().find("percent = 100") != std::string::npos);
}

TEST_CASE("an unknown fault kind is an error that lists every kind the lab knows", "[lab][unit]") {
    const auto s = parse_scenario("hosts = 3\n\n[[fault]]\nkind = \"melted\"\nhosts = [1]\n", "faults.toml");
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().find("faults.toml:3:") != std::string::npos);
    CHECK(s.error().find("must be one of down, refusing, wrong-password,") != std::string::npos);
    CHECK(s.error().find("strict-channel-binding, ntlm-refused") != std::string::npos);
}

TEST_CASE("Basic over HTTP is rejected in a scenario, as Windows would refuse it", "[lab][unit]") {
    const auto s = parse_scenario("[[group]]\nname = \"g\"\nscheme = \"http\"\nauth = \"basic\"\n", "s.toml");
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().find("AllowUnencrypted") != std::string::npos);
}

TEST_CASE("percentage faults hit about that share and never host 1", "[lab][unit]") {
    const auto s = parse_scenario("hosts = 2000\n[[fault]]\nkind = \"slow\"\npercent = 10\nlatency = \"2s\"\n", "p.toml");
    REQUIRE(s.has_value());
    const auto hosts = expand_hosts(*s);
    REQUIRE(hosts.has_value());
    const auto slow = std::ranges::count_if(*hosts, [](const host_spec& h) { return h.faults.latency.count() == 2000; });
    CHECK(slow > 150);
    CHECK(slow < 250);
    CHECK((*hosts)[0].faults.latency.count() == 0);
}

TEST_CASE("addresses skip .0 and .255 and stay in 127/8", "[lab][unit]") {
    auto s = parse_scenario("hosts = 300\naddress_base = \"127.1.0.250\"\n", "a.toml");
    REQUIRE(s.has_value());
    const auto hosts = expand_hosts(*s);
    REQUIRE(hosts.has_value());
    CHECK((*hosts)[4].address == "127.1.0.254");
    CHECK((*hosts)[5].address == "127.1.1.1");
    s->address_base = "127.255.255.250";
    CHECK_FALSE(expand_hosts(*s).has_value());
}

TEST_CASE("a lab in a network namespace takes documentation-range addresses, never real ones", "[lab][unit]") {
    auto s = parse_scenario("hosts = 3\naddress_base = \"203.0.113.20\"\n", "ns.toml");
    REQUIRE(s.has_value());
    const auto hosts = expand_hosts(*s);
    REQUIRE(hosts.has_value());
    CHECK((*hosts)[2].address == "203.0.113.22");
    s->address_base = "203.0.113.253";
    CHECK(expand_hosts(*s).error() == "the address range leaves 203.0.113.0/24: lower address_base or hosts");
    const auto real = parse_scenario("address_base = \"10.1.2.3\"\n", "real.toml");
    REQUIRE_FALSE(real.has_value());
    CHECK(real.error().find("address_base must be an IPv4 address in 127.0.0.0/8, 192.0.2.0/24") != std::string::npos);
}

TEST_CASE("the lab inventory names the password file, never the password", "[lab][unit]") {
    auto s = parse_scenario("hosts = 3\npassword = \"Very-Secret-9\"\n", "i.toml");
    REQUIRE(s.has_value());
    const auto hosts = expand_hosts(*s);
    REQUIRE(hosts.has_value());
    const auto text = lab_inventory_text(*s, *hosts, "/tmp/lab/password", "/tmp/lab/ca.pem");
    CHECK(text.find("Very-Secret-9") == std::string::npos);
    CHECK(text.find("password = { file = \"/tmp/lab/password\" }") != std::string::npos);
    CHECK(text.find("[hosts.\"win002.lab.example\"]\naddress = \"127.1.0.2\"\n") != std::string::npos);
}

TEST_CASE("every example scenario in transports/lab/scenarios parses and expands", "[lab][unit]") {
    unsigned seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(FLEETMEND_LAB_SCENARIOS)) {
        if (entry.path().extension() != ".toml") continue;
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto s = parse_scenario(text, entry.path().string());
        INFO(entry.path().string());
        REQUIRE(s.has_value());
        CHECK(expand_hosts(*s).has_value());
        ++seen;
    }
    CHECK(seen >= 3);
}
