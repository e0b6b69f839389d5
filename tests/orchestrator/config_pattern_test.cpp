// Host patterns: names, groups, globs, "!", "&", comma lists, inventory order.
#include "config_test_support.hpp"
#include "orchestrator/config/inventory.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using fleetmend::test::temp_folder;

namespace {

// web01..web04 in dc1, app1..app2 in dc2, db1 in both; relay alone.
constexpr const char* fleet = R"(
[groups.dc1]
hosts = ["web[01:04]", "db1"]
[groups.dc2]
hosts = ["app[1:2]", "db1"]
[groups.windows]
children = ["dc1", "dc2"]
[groups.canary]
hosts = ["web02"]
[groups.empty]
[hosts.relay]
)";

std::vector<std::string> pick(const inventory& inv, const std::string& pattern) {
    auto selected = select_hosts(inv, pattern);
    REQUIRE(selected.has_value());
    std::vector<std::string> out;
    for (const auto* h : *selected) out.push_back(h->name);
    return out;
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("patterns select by name, group, glob and all, in inventory order", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", fleet));
    REQUIRE(inv.has_value());
    CHECK(pick(*inv, "all").size() == 8);
    CHECK(pick(*inv, "*").size() == 8);
    CHECK(pick(*inv, "relay") == names{"relay"});
    CHECK(pick(*inv, "dc2") == names{"db1", "app1", "app2"});
    CHECK(pick(*inv, "windows").size() == 7);  // children's hosts belong to the parent
    CHECK(pick(*inv, "web0[13]") == names{"web01", "web03"});
    CHECK(pick(*inv, "app?") == names{"app1", "app2"});
    CHECK(pick(*inv, "dc*") == pick(*inv, "windows"));  // a glob matches group names too
    CHECK(pick(*inv, "empty").empty());
}

TEST_CASE("comma lists join, & intersects, ! excludes, without duplicates", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", fleet));
    REQUIRE(inv.has_value());
    CHECK(pick(*inv, "relay, web01") == names{"web01", "relay"});  // inventory order, not pattern order
    CHECK(pick(*inv, "dc1,dc2") == names{"web01", "web02", "web03", "web04", "db1", "app1", "app2"});
    CHECK(pick(*inv, "dc1,&dc2") == names{"db1"});
    CHECK(pick(*inv, "dc1,!canary,!db1") == names{"web01", "web03", "web04"});
    // Ansible order: unions first, then intersections, then exclusions, wherever they are written.
    CHECK(pick(*inv, "!web01,&dc1,dc2") == names{"db1"});
    CHECK(pick(*inv, "!windows") == names{"relay"});  // only exclusions: from every host
    CHECK(pick(*inv, "&canary") == names{"web02"});
    CHECK(pick(*inv, "dc1,!web*") == names{"db1"});
}

TEST_CASE("a name that matches nothing is an error naming it", "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", fleet));
    REQUIRE(inv.has_value());
    auto typo = select_hosts(*inv, "dc1,windwos");
    REQUIRE_FALSE(typo.has_value());
    CHECK(typo.error().message.find("no host or group named 'windwos'") != std::string::npos);
    CHECK(typo.error().message.find("did you mean 'windows'?") != std::string::npos);
    CHECK_FALSE(select_hosts(*inv, "!nosuch").has_value());
    CHECK_FALSE(select_hosts(*inv, "zz*").has_value());
    CHECK_FALSE(select_hosts(*inv, "").has_value());
    CHECK_FALSE(select_hosts(*inv, "dc1,!").has_value());
}

TEST_CASE("a [start:end] range in a pattern means what it means in the inventory, not a character class",
          "[config][unit]") {
    temp_folder dir;
    auto inv = load_inventory(dir.write("inv.toml", fleet));
    REQUIRE(inv.has_value());
    CHECK(pick(*inv, "web[01:03]") == names{"web01", "web02", "web03"});
    CHECK(pick(*inv, "web[02:04],!web03") == names{"web02", "web04"});
    CHECK(pick(*inv, "app[1:2]") == names{"app1", "app2"});
    // a glob's character class still works where no ':' says range
    CHECK(pick(*inv, "web0[13]") == names{"web01", "web03"});
    // a range that names no host is the usual error
    CHECK_FALSE(select_hosts(*inv, "web[07:09]").has_value());
}
