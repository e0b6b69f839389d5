// `--shard K/N`: N workstations (or N tasks of a job runner) each run one
// slice of the targeted hosts; together the slices must cover the fleet
// exactly, whatever the inventory order, and agree on every workstation.
#include "config_test_support.hpp"
#include "orchestrator/engine/run_targets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

using namespace fleetmend;

namespace {

/// "host00001.corp.example" .. : the names a range in an inventory expands to.
std::vector<host_entry> numbered_hosts(std::size_t count, const char* format = "host%05zu.corp.example") {
    std::vector<host_entry> hosts(count);
    char name[64];
    for (std::size_t i = 0; i < count; ++i) {
        std::snprintf(name, sizeof name, format, i + 1);
        hosts[i].name = name;
    }
    return hosts;
}

std::vector<const host_entry*> pointers(const std::vector<host_entry>& hosts) {
    std::vector<const host_entry*> out;
    for (const auto& h : hosts) out.push_back(&h);
    return out;
}

std::vector<std::string> names_of(const std::vector<const host_entry*>& hosts) {
    std::vector<std::string> out;
    for (const auto* h : hosts) out.push_back(h->name);
    return out;
}

}  // namespace

TEST_CASE("the --shard flag reads K/N as slice K of N and refuses nonsense with what to write", "[engine][shard][unit]") {
    const auto two_of_three = parse_shard("2/3");
    REQUIRE(two_of_three);
    CHECK(two_of_three->index == 2);
    CHECK(two_of_three->count == 3);
    CHECK(to_string(*two_of_three) == "2/3");
    CHECK(parse_shard("1/1"));
    CHECK(parse_shard("100/100"));

    for (const char* bad : {"x", "", "2", "2/", "/3", "1/3x", " 1/3", "1 /3", "-1/3", "+1/3", "1.5/3", "1/3/4",
                            "99999999999/3"}) {
        INFO("--shard " << bad);
        const auto parsed = parse_shard(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().find("write K/N") != std::string::npos);
    }
    const auto zero = parse_shard("0/3");
    REQUIRE_FALSE(zero);
    CHECK(zero.error().find("K counts from 1") != std::string::npos);
    CHECK(zero.error().find("INDEX + 1") != std::string::npos);  // the Indexed Job hint
    const auto too_big = parse_shard("3/2");
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().find("at most N (2)") != std::string::npos);
    const auto no_slices = parse_shard("1/0");
    REQUIRE_FALSE(no_slices);
    CHECK(no_slices.error().find("at least 1") != std::string::npos);
}

TEST_CASE("the N shards partition the fleet exactly: every host in one slice, once", "[engine][shard][unit]") {
    for (const std::size_t fleet : {0u, 1u, 2u, 7u, 100u, 1000u, 10000u}) {
        const auto hosts = numbered_hosts(fleet);
        const auto all = pointers(hosts);
        for (const unsigned n : {1u, 2u, 3u, 4u, 7u, 16u, 64u}) {
            INFO(fleet << " hosts, " << n << " shards");
            std::map<std::string, int> seen;
            for (unsigned k = 1; k <= n; ++k) {
                const auto slice = select_shard(all, shard_spec{k, n});
                // Each slice keeps the order it was given (inventory order).
                CHECK(std::is_sorted(slice.begin(), slice.end(),
                                     [](const host_entry* a, const host_entry* b) { return a->name < b->name; }));
                for (const auto* h : slice) {
                    ++seen[h->name];
                    CHECK(shard_of(h->name, n) == k);
                }
            }
            CHECK(seen.size() == fleet);
            CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& entry) { return entry.second == 1; }));
        }
    }
}

TEST_CASE("a host's shard depends on its name only, not on inventory order or the rest of the fleet",
          "[engine][shard][unit]") {
    const auto hosts = numbered_hosts(500);
    auto forward = pointers(hosts);
    auto backward = forward;
    std::reverse(backward.begin(), backward.end());
    // A workstation whose inventory copy has only every other host.
    std::vector<const host_entry*> half;
    for (std::size_t i = 0; i < forward.size(); i += 2) half.push_back(forward[i]);

    for (unsigned k = 1; k <= 3; ++k) {
        const shard_spec shard{k, 3};
        auto a = names_of(select_shard(forward, shard));
        auto b = names_of(select_shard(backward, shard));
        std::sort(b.begin(), b.end());
        CHECK(a == b);
        std::set<std::string> in_a(a.begin(), a.end());
        for (const auto& name : names_of(select_shard(half, shard))) CHECK(in_a.contains(name));
    }
}

TEST_CASE("shard membership is pinned: every workstation and release computes the same slices",
          "[engine][shard][unit]") {
    // If these change, slices move between releases and a fleet split across
    // workstations running different versions would overlap or miss hosts.
    CHECK(shard_of("web01.dc1.corp.example", 3) == 1);
    CHECK(shard_of("web02.dc1.corp.example", 3) == 2);
    CHECK(shard_of("win00001", 10) == 7);
    CHECK(shard_of("", 7) == 6);
    CHECK(shard_of("anything", 1) == 1);
}

TEST_CASE("shards of a 10,000-host fleet are within a few percent of an even split", "[engine][shard][unit]") {
    const auto hosts = numbered_hosts(10000, "win%05zu");
    const auto all = pointers(hosts);
    for (const unsigned n : {2u, 3u, 10u}) {
        for (unsigned k = 1; k <= n; ++k) {
            const double share = static_cast<double>(select_shard(all, shard_spec{k, n}).size()) / hosts.size();
            INFO(k << "/" << n << ": " << share);
            CHECK(share == Approx(1.0 / n).epsilon(0.06));
        }
    }
}

TEST_CASE("select_targets applies --shard after --limit, so slices of a limited run cover exactly that limit",
          "[engine][shard][unit]") {
    test::temp_folder folder;
    const auto path = folder.write("inventory.toml", R"(
[defaults]
transport = "ssh"
user = "root"

[groups.web]
hosts = ["web[001:120].example"]

[groups.db]
hosts = ["db[01:30].example"]
)");
    auto inv = load_inventory(path);
    REQUIRE(inv);
    std::multiset<std::string> covered;
    for (unsigned k = 1; k <= 4; ++k) {
        auto slice = select_targets(*inv, "all", "db*", shard_spec{k, 4});
        REQUIRE(slice);
        for (const auto* h : *slice) {
            CHECK(h->name.starts_with("db"));
            covered.insert(h->name);
        }
    }
    CHECK(covered.size() == 30);
    CHECK(std::set<std::string>(covered.begin(), covered.end()).size() == 30);

    auto unsharded = select_targets(*inv, "all", "");
    REQUIRE(unsharded);
    CHECK(unsharded->size() == 150);
    auto whole = select_targets(*inv, "all", "", shard_spec{1, 1});
    REQUIRE(whole);
    CHECK(whole->size() == 150);
}
