#include "orchestrator/engine/open_files.hpp"
#include "orchestrator/engine/run_driver.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>

using namespace fleetmend;

namespace {

/// Sets this process's soft open-files limit for the scope, then restores it.
class soft_limit {
public:
    explicit soft_limit(rlim_t soft) {
        REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        rlimit lowered = saved_;
        lowered.rlim_cur = std::min(soft, saved_.rlim_max);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    }
    ~soft_limit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    soft_limit(const soft_limit&) = delete;
    soft_limit& operator=(const soft_limit&) = delete;

private:
    rlimit saved_{};
};

}  // namespace

TEST_CASE("the hosts in flight are what the open-files limit holds after the reserve", "[engine][open-files]") {
    CHECK(hosts_within(20000) == 4984);  // (20000 - 64) / 4
    CHECK(hosts_within(20000, 36) == 4975);  // descriptors already open count too
    CHECK(hosts_within(1024) == 240);
    CHECK(hosts_within(64) == 1);  // never none
    CHECK(hosts_within(0) == 1);
    CHECK(hosts_within(100, 500) == 1);
}

TEST_CASE("raising the open-files limit lifts the soft limit to the hard one", "[engine][open-files]") {
    rlimit before{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
    if (before.rlim_max < 256)
        test::skip_test("the hard open-files limit (" + std::to_string(before.rlim_max) +
                        ") leaves nothing to raise a soft limit of 128 to");
    const soft_limit low(128);
    CHECK(open_files_limit() == 128);
    CHECK(raise_open_files_limit() == before.rlim_max);
    CHECK(open_files_limit() == before.rlim_max);
}

TEST_CASE("a concurrency past the limit is capped with a note that says how to raise it", "[engine][open-files]") {
    const soft_limit low(200);
    const auto open = descriptors_open();
    REQUIRE(open >= 3);  // stdin, stdout, stderr at least
    REQUIRE(open < 100);
    CHECK(hosts_in_flight(10) == 10);
    CHECK(concurrency_note(10).empty());
    const unsigned fits = (200 - 64 - static_cast<unsigned>(open)) / 4;
    CHECK(hosts_in_flight(1000) == fits);
    CHECK(concurrency_note(1000) == "--concurrency 1000 needs about " + std::to_string(4064 + open) +
                                        " open files; the limit is 200 (ulimit -n) and " + std::to_string(open) +
                                        " are open, so at most " + std::to_string(fits) +
                                        " hosts run at once: raise the hard limit (ulimit -Hn, or LimitNOFILE= for "
                                        "a service) for more");
    CHECK(hosts_in_flight(0) == 1);
}

TEST_CASE("the plan line names the cap, and its figures are said once elsewhere", "[engine][open-files]") {
    const soft_limit low(200);
    std::vector<host_entry> hosts(300);
    std::vector<const host_entry*> targets;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        hosts[i].name = "h" + std::to_string(i);
        targets.push_back(&hosts[i]);
    }
    rollout_settings settings;
    settings.batches = {{true, 100}};
    settings.concurrency = 1000;
    const auto capacity = measure_in_flight(1000);
    REQUIRE(capacity.capped());
    CHECK(capacity.limit == 200);
    CHECK(capacity.note().find("so at most " + std::to_string(capacity.fits) + " hosts") != std::string::npos);
    const auto text = describe_plan(plan_targets(targets, settings, 1), settings);
    INFO(text);
    CHECK(text.find(std::to_string(capacity.fits) + " at a time (of --concurrency 1000: the open-files limit)") !=
          std::string::npos);
    CHECK(text.find("needs about") == std::string::npos);
    settings.concurrency = 10;
    CHECK(describe_plan(plan_targets(targets, settings, 1), settings).find("10 at a time, order") != std::string::npos);
}
