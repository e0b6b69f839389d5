// The rollout planner: batch sizes, host order, threshold arithmetic.
#include "orchestrator/engine/rollout_plan.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

using namespace fleetmend;

namespace {
std::vector<batch_size> batches(std::initializer_list<batch_size> list) { return list; }
constexpr batch_size count(unsigned n) { return {false, n}; }
constexpr batch_size percent(unsigned n) { return {true, n}; }

std::vector<std::string> names(std::size_t n) {
    std::vector<std::string> result;
    for (std::size_t i = 0; i < n; ++i) result.push_back("host" + std::to_string(i));
    return result;
}
}  // namespace

TEST_CASE("batch sizes: counts, percentages and the last entry repeating", "[engine][unit]") {
    using sizes = std::vector<std::size_t>;
    CHECK(plan_batch_sizes(100, batches({count(1), count(5), percent(20)})) == sizes{1, 5, 20, 20, 20, 20, 14});
    CHECK(plan_batch_sizes(7, batches({count(1), count(5), percent(20)})) == sizes{1, 5, 1});
    CHECK(plan_batch_sizes(100, batches({count(1), percent(10), percent(25), percent(100)})) ==
          sizes{1, 10, 25, 64});
    SECTION("a single 0 is one batch of all hosts") {
        CHECK(plan_batch_sizes(42, batches({count(0)})) == sizes{42});
        CHECK(plan_batch_sizes(42, {}) == sizes{42});
    }
    SECTION("a percentage rounds down but never below one host") {
        CHECK(plan_batch_sizes(3, batches({percent(10)})) == sizes{1, 1, 1});
        CHECK(plan_batch_sizes(19, batches({percent(10)})) == sizes{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
        CHECK(plan_batch_sizes(25, batches({percent(10)})) == sizes{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1});
    }
    SECTION("no hosts, no batches") { CHECK(plan_batch_sizes(0, batches({count(1)})).empty()); }
    SECTION("a count larger than what is left is cut short") {
        CHECK(plan_batch_sizes(4, batches({count(10)})) == sizes{4});
    }
}

TEST_CASE("threshold: a batch fails when failures exceed the allowed percentage", "[engine][unit]") {
    SECTION("0% allows no failure at all") {
        CHECK_FALSE(exceeds_fail_threshold(0, 25, 0));
        CHECK(exceeds_fail_threshold(1, 25, 0));
        CHECK(exceeds_fail_threshold(1, 1000, 0));
    }
    SECTION("100% never trips, even when every host failed") {
        CHECK_FALSE(exceeds_fail_threshold(25, 25, 100));
        CHECK_FALSE(exceeds_fail_threshold(1, 1, 100));
    }
    SECTION("exactly at the limit is still allowed; above it is not") {
        CHECK_FALSE(exceeds_fail_threshold(1, 4, 25));
        CHECK(exceeds_fail_threshold(2, 4, 25));
        CHECK_FALSE(exceeds_fail_threshold(1, 10, 10));
        CHECK(exceeds_fail_threshold(2, 10, 10));
        CHECK(exceeds_fail_threshold(1, 3, 33.3));
    }
}

TEST_CASE("host order: inventory, sorted, and a shuffle the seed reproduces", "[engine][unit]") {
    const std::vector<std::string> hosts{"web03", "db01", "web01", "app02", "web02"};
    CHECK(order_hosts(hosts, host_order::inventory, 7) == std::vector<std::size_t>{0, 1, 2, 3, 4});
    CHECK(order_hosts(hosts, host_order::sorted, 7) == std::vector<std::size_t>{3, 1, 2, 4, 0});

    const auto many = names(200);
    const auto first = order_hosts(many, host_order::shuffle, 12345);
    CHECK(first == order_hosts(many, host_order::shuffle, 12345));
    CHECK(first != order_hosts(many, host_order::shuffle, 12346));
    auto sorted = first;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::size_t> all(200);
    std::iota(all.begin(), all.end(), std::size_t{0});
    CHECK(sorted == all);   // a permutation: every host exactly once
    CHECK(first != all);    // and not the identity
}

TEST_CASE("plan: batches hold every host once, in the chosen order", "[engine][unit]") {
    rollout_settings settings;
    settings.batches = {count(1), percent(10), percent(50)};
    settings.order = host_order::shuffle;
    const auto plan = plan_rollout(names(30), settings, 99);
    CHECK(plan.seed == 99);
    REQUIRE(plan.batches.size() == 4);  // 1, 3, 15, 11
    CHECK(plan.batches[0].size() == 1);
    CHECK(plan.batches[1].size() == 3);
    CHECK(plan.batches[2].size() == 15);
    CHECK(plan.batches[3].size() == 11);
    std::vector<std::size_t> flat;
    for (const auto& b : plan.batches) flat.insert(flat.end(), b.begin(), b.end());
    CHECK(flat == order_hosts(names(30), host_order::shuffle, 99));
}

TEST_CASE("the --batches flag: counts and percentages, clear errors otherwise", "[engine][unit]") {
    const auto parsed = parse_batches_flag("1, 10%,100%");
    REQUIRE(parsed);
    REQUIRE(parsed->size() == 3);
    CHECK(((*parsed)[0].value == 1 && !(*parsed)[0].percent));
    CHECK(((*parsed)[1].value == 10 && (*parsed)[1].percent));
    CHECK(((*parsed)[2].value == 100 && (*parsed)[2].percent));
    CHECK(describe_batches(*parsed) == "1, 10%, 100%");
    CHECK_FALSE(parse_batches_flag("1,ten"));
    CHECK_FALSE(parse_batches_flag("1,,2"));
    CHECK_FALSE(parse_batches_flag("150%"));
    CHECK_FALSE(parse_batches_flag("-1"));
    CHECK(parse_batches_flag("1,ten").error().find("ten") != std::string::npos);
    CHECK_FALSE(parse_batches_flag("0"));  // refused like batches = [0]: the canary would be dropped
    CHECK_FALSE(parse_batches_flag("0,100%"));
    CHECK(parse_batches_flag("0").error().find("at least 1") != std::string::npos);
}
