// The pieces `fleetmend run` is assembled from: @REPORT:STATUS limits, rollout
// flag overrides, the confirmation summary and the live progress line.
#include "orchestrator/engine/run_driver.hpp"
#include "orchestrator/engine/run_progress.hpp"
#include "orchestrator/engine/run_targets.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

TEST_CASE("the --limit @REPORT:STATUS is split at the last colon and checked", "[engine][unit]") {
    const auto parsed = parse_report_limit("@reports/c:/x/run.json:failed");
    REQUIRE(parsed);
    REQUIRE(parsed->has_value());
    CHECK((*parsed)->report_path == "reports/c:/x/run.json");
    CHECK((*parsed)->status == "failed");
    CHECK(parse_report_limit("@r.json:would-change").has_value());
    CHECK(parse_report_limit("@r.json:unfinished").has_value());
    const auto plain = parse_report_limit("web*");
    REQUIRE(plain);
    CHECK_FALSE(plain->has_value());
    CHECK_FALSE(parse_report_limit("@r.json"));
    CHECK_FALSE(parse_report_limit("@r.json:broken"));
    CHECK(parse_report_limit("@r.json:broken").error().find("not a host status") != std::string::npos);
}

TEST_CASE("rollout flags override the playbook and reject nonsense", "[engine][unit]") {
    rollout_settings settings;
    rollout_overrides flags;
    flags.batches = "1,25%";
    flags.on_failure = "rollback-all";
    flags.order = "sorted";
    flags.concurrency = 7;
    flags.max_fail_percentage = 12.5;
    REQUIRE(apply_overrides(flags, settings));
    CHECK(settings.batches.size() == 2);
    CHECK(settings.on_failure == failure_policy::rollback_all);
    CHECK(settings.order == host_order::sorted);
    CHECK(settings.concurrency == 7);
    CHECK(settings.max_fail_percentage == 12.5);

    rollout_overrides bad;
    bad.on_failure = "retry";
    CHECK(apply_overrides(bad, settings).error().find("--on-failure") != std::string::npos);
    bad = {};
    bad.max_fail_percentage = 120;
    CHECK_FALSE(apply_overrides(bad, settings));
    bad = {};
    bad.concurrency = 0;
    CHECK_FALSE(apply_overrides(bad, settings));
}

TEST_CASE("the confirmation names hosts, batches and policy", "[engine][unit]") {
    std::vector<host_entry> hosts(100);
    std::vector<const host_entry*> targets;
    for (int i = 0; i < 100; ++i) {
        hosts[i].name = "h" + std::to_string(i);
        targets.push_back(&hosts[i]);
    }
    rollout_settings settings;
    settings.batches = {{false, 1}, {true, 10}, {true, 25}, {true, 100}};
    settings.on_failure = failure_policy::rollback_batch;
    const auto plan = plan_targets(targets, settings, 1);
    REQUIRE(plan.batches.size() == 4);
    const auto text = describe_plan(plan, settings);
    CHECK(text.find("100 hosts in 4 batches (1, 10, 25, 64)") != std::string::npos);
    CHECK(text.find("on failure rollback-batch") != std::string::npos);
    CHECK(text.find("at most 0% failed") != std::string::npos);
}

TEST_CASE("the live line shows elapsed, batch, done, in flight, failed and unreachable apart, rate and ETA",
          "[engine][unit]") {
    progress_counts counts;
    counts.batches = 4;
    counts.batch = 3;
    counts.hosts_total = 100;
    counts.done = 20;
    counts.in_flight = 5;
    counts.failed = 2;
    counts.unreachable = 1;
    const auto line = run_progress::status_line(counts, std::chrono::seconds(10), std::chrono::seconds(10));
    CHECK(line == "10s elapsed | batch 3/4 | 20/100 done | 5 in flight | 2 failed | 1 unreachable | 2.0 hosts/s | ETA 40s");
}

TEST_CASE("the live line's ETA grows while nothing finishes and leaves out time at --step prompts", "[engine][unit]") {
    progress_counts counts;
    counts.batches = 2;
    counts.batch = 2;
    counts.hosts_total = 10;
    counts.done = 5;
    counts.in_flight = 1;
    using std::chrono::seconds;
    const auto early = run_progress::status_line(counts, seconds(5), seconds(5));
    const auto later = run_progress::status_line(counts, seconds(60), seconds(60));
    CHECK_THAT(early, Catch::Contains("1.0 hosts/s | ETA 5s"));
    CHECK_THAT(later, Catch::Contains("1m00s elapsed"));
    CHECK_THAT(later, Catch::Contains("ETA 1m00s"));
    // 55 s of the minute were spent at a prompt between batches: the rate is the work's
    const auto prompted = run_progress::status_line(counts, seconds(60), seconds(5));
    CHECK_THAT(prompted, Catch::Contains("1m00s elapsed"));
    CHECK_THAT(prompted, Catch::Contains("1.0 hosts/s | ETA 5s"));
}

TEST_CASE("the live line names the slowest hosts in flight with how long they run", "[engine][unit]") {
    progress_counts counts;
    counts.batches = 1;
    counts.batch = 1;
    counts.hosts_total = 4;
    counts.in_flight = 4;
    const std::vector<host_running> slowest{{"win007", std::chrono::seconds(75)}, {"win002", std::chrono::seconds(3)}};
    const auto line = run_progress::status_line(counts, std::chrono::seconds(80), std::chrono::seconds(80), slowest);
    CHECK_THAT(line, Catch::EndsWith("| ETA ? | slowest: win007 1m15s, win002 3s"));
}

TEST_CASE("the plain batch line says failed and unreachable apart for each batch", "[engine][unit]") {
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    {
        run_progress progress(progress_style::plain, out);
        run_started start;
        start.batches = {{"a", "b"}, {"c", "d", "e"}};
        progress.publish(start);
        progress.publish(batch_started{1, {}});
        progress.publish(host_finished{"a", host_status::unreachable, error_kind::unreachable, "connect: refused", {}});
        progress.publish(host_finished{"b", host_status::changed, std::nullopt, "", {}});
        progress.publish(batch_finished{1, 1, false, "", {}, 1});
        progress.publish(batch_started{2, {}});
        progress.publish(host_finished{"c", host_status::failed, std::nullopt, "exit 1", {}});
        progress.publish(host_finished{"d", host_status::unreachable, error_kind::unreachable, "timed out", {}});
        progress.publish(host_finished{"e", host_status::failed, std::nullopt, "exit 1", {}});
        progress.publish(batch_finished{2, 3, true, "3 of 3 failed", {}, 1});
    }
    std::rewind(out);
    std::string text;
    for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
    std::fclose(out);
    CHECK_THAT(text, Catch::Contains("batch 1/2 finished: 0 failed, 1 unreachable\n"));
    CHECK_THAT(text, Catch::Contains("batch 2/2 finished: 2 failed, 1 unreachable; HALTED: 3 of 3 failed\n"));
}
