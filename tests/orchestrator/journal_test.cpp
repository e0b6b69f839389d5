// The journal: durable before publish returns, torn tails detected, a report
// rebuilt from it equals the live one, and the report-folder lock.
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/journal/run_lock.hpp"
#include "orchestrator/report/report.hpp"
#include "report_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace fleetmend;
using fleetmend::test::fixture_events;
using fleetmend::test::fixture_time;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
    auto dir = fs::temp_directory_path() / ("fleetmend-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_journal(const fs::path& p, const std::vector<run_event>& events) {
    auto writer = journal_writer::create(p.string());
    REQUIRE(writer.has_value());
    for (const auto& e : events) (*writer)->publish(e);
}

}  // namespace

TEST_CASE("a report rebuilt from the journal equals the live report", "[journal][unit]") {
    const auto dir = fresh_dir("journal-rebuild");
    const auto path = dir / "run.journal";
    report_builder live;
    {
        auto writer = journal_writer::create(path.string());
        REQUIRE(writer.has_value());
        for (const auto& e : fixture_events()) {
            (*writer)->publish(e);
            live.publish(e);
        }
        REQUIRE((*writer)->flush().has_value());
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    const auto contents = read_journal(path.string());
    REQUIRE(contents.has_value());
    CHECK_FALSE(contents->torn_tail);
    CHECK(contents->events.size() == fixture_events().size());
    CHECK(report_to_json(build_report(contents->events)) == report_to_json(live.snapshot()));
    fs::remove_all(dir);
}

TEST_CASE("a new journal never overwrites an existing one", "[journal][unit]") {
    const auto dir = fresh_dir("journal-exists");
    std::ofstream(dir / "run.journal") << "x";
    auto again = journal_writer::create((dir / "run.journal").string());
    REQUIRE_FALSE(again.has_value());
    CHECK_THAT(again.error(), Catch::Contains("already"));
    fs::remove_all(dir);
}

TEST_CASE("a record the next remote action depends on is on disk when publish returns", "[journal][unit]") {
    const auto dir = fresh_dir("journal-durable");
    const auto path = dir / "run.journal";
    // a long batching delay: only the durability rule can get the record out in time
    auto writer = journal_writer::create(path.string(), journal_options{std::chrono::seconds(30)});
    REQUIRE(writer.has_value());
    (*writer)->publish(host_finished{"web01", host_status::changed, std::nullopt, "", fixture_time(1)});
    CHECK(slurp(path).empty());  // batched: nothing waits for it
    // A read that a crash leaves unrecorded is read again by resume: no sync for it.
    (*writer)->publish(host_started{"web02", "10.0.0.2", transport_kind::winrm, 1, fixture_time(2)});
    (*writer)->publish(step_started{"web02", phase::capture, "teredo", fixture_time(2)});
    CHECK(slurp(path).empty());
    // A step that changes the host must be known to resume before it runs.
    (*writer)->publish(step_started{"web02", phase::apply, "disable teredo", fixture_time(3)});
    const auto on_disk = read_journal(path.string());  // read while the writer is still open
    REQUIRE(on_disk.has_value());
    REQUIRE(on_disk->events.size() == 4);  // the batched records went out with it, in order
    CHECK(std::holds_alternative<host_finished>(on_disk->events[0]));
    CHECK(std::holds_alternative<host_started>(on_disk->events[1]));
    CHECK(std::get<step_started>(on_disk->events[2]).in_phase == phase::capture);
    CHECK(std::get<step_started>(on_disk->events[3]).in_phase == phase::apply);

    (*writer)->publish(step_started{"web02", phase::rollback, "restore previous type", fixture_time(4)});
    REQUIRE(read_journal(path.string())->events.size() == 5);  // a rollback changes the host too
    fs::remove_all(dir);
}

TEST_CASE("concurrent publishers share fsyncs (group commit)", "[journal][unit]") {
    const auto dir = fresh_dir("journal-group");
    const auto path = dir / "run.journal";
    constexpr int threads = 16, per_thread = 50;
    journal_stats stats;
    {
        auto writer = journal_writer::create(path.string());
        REQUIRE(writer.has_value());
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i)
                    (*writer)->publish(step_started{"h" + std::to_string(t), phase::apply, std::to_string(i),
                                                    fixture_time(i)});
            });
        }
        for (auto& th : pool) th.join();
        stats = (*writer)->stats();
    }
    const auto contents = read_journal(path.string());
    REQUIRE(contents.has_value());
    CHECK(contents->events.size() == threads * per_thread);
    CHECK(stats.records == threads * per_thread);
    CHECK(stats.syncs < stats.records);  // with every publisher waiting, one sync covers several
    // each thread's records stay in its own order
    std::map<std::string, int> next;
    for (const auto& e : contents->events) {
        const auto& s = std::get<step_started>(e);
        CHECK(s.name == std::to_string(next[s.host]++));
    }
    WARN("group commit: " << stats.records << " durable records, " << stats.syncs << " fdatasync calls");
    fs::remove_all(dir);
}

TEST_CASE("a journal whose file is removed while the run writes it stops recording", "[journal][unit]") {
    const auto dir = fresh_dir("journal-removed");
    const auto path = dir / "run.journal";
    auto writer = journal_writer::create(path.string());
    REQUIRE(writer.has_value());
    (*writer)->publish(fixture_events().front());  // run_started: durable at once
    CHECK((*writer)->record_health().has_value());
    fs::remove_all(dir);
    // The next record that must be durable finds no file behind it.
    (*writer)->publish(host_transition{"web01", host_phase::compliant, host_phase::apply, "", fixture_time(1)});
    const auto health = (*writer)->record_health();
    REQUIRE_FALSE(health.has_value());
    CHECK_THAT(health.error(), Catch::Contains("was removed") && Catch::Contains(path.string()));
}

TEST_CASE("a journal reserves its space up front and a disk without room refuses it", "[journal][unit]") {
    const auto dir = fresh_dir("journal-reserve");
    journal_options options;
    options.reserve_bytes = 1 << 20;
    {
        auto writer = journal_writer::create((dir / "ok.journal").string(), options);
        REQUIRE(writer.has_value());
        (*writer)->publish(fixture_events().front());
        struct stat info {};
        REQUIRE(::stat((dir / "ok.journal").c_str(), &info) == 0);
        // The file's size is its records; the blocks behind it are claimed
        // (on filesystems that can reserve).
        CHECK(static_cast<std::uint64_t>(info.st_size) < options.reserve_bytes);
    }
    // More than any disk has: refused before anything is recorded, no file left.
    options.reserve_bytes = std::uint64_t{1} << 62;
    const auto refused = journal_writer::create((dir / "huge.journal").string(), options);
    if (!refused) {
        CHECK_THAT(refused.error(), Catch::Contains("cannot reserve") && Catch::Contains("no host was changed"));
        CHECK_FALSE(fs::exists(dir / "huge.journal"));
    }
    fs::remove_all(dir);
}

TEST_CASE("a torn last record is detected and ignored", "[journal][unit]") {
    const auto dir = fresh_dir("journal-torn");
    const auto path = dir / "run.journal";
    const auto events = fixture_events();
    write_journal(path, events);
    const auto whole = slurp(path);

    SECTION("half a line, as a crash mid-write leaves it") {
        std::ofstream(path, std::ios::app | std::ios::binary) << journal_record(run_finished{}).substr(0, 20);
        const auto c = read_journal(path.string());
        REQUIRE(c.has_value());
        CHECK(c->torn_tail);
        CHECK(c->torn_bytes == 20);
        CHECK(c->valid_bytes == whole.size());
        CHECK(c->events.size() == events.size());
    }
    SECTION("a complete line whose bytes did not all reach the disk") {
        auto last = journal_record(batch_started{9, fixture_time(9)});
        last[last.size() / 2] ^= 0x20;
        std::ofstream(path, std::ios::app | std::ios::binary) << last;
        const auto c = read_journal(path.string());
        REQUIRE(c.has_value());
        CHECK(c->torn_tail);
        CHECK(c->events.size() == events.size());
    }
    SECTION("damage in the middle is an error, not a torn tail") {
        auto damaged = whole;
        damaged[whole.find('\n') + 30] ^= 0x01;
        std::ofstream(path, std::ios::trunc | std::ios::binary) << damaged;
        const auto c = read_journal(path.string());
        REQUIRE_FALSE(c.has_value());
        CHECK_THAT(c.error(), Catch::Contains("record 2"));
        // A report is still rebuilt from what comes before the damage.
        std::string damage;
        const auto prefix = read_journal_prefix(path.string(), damage);
        REQUIRE(prefix.has_value());
        CHECK(prefix->events.size() == 1);
        CHECK_THAT(damage, Catch::Contains("record 2"));
        CHECK(build_report(prefix->events).run_id == build_report(events).run_id);
    }
    SECTION("append_to cuts the torn tail and continues after the last good record") {
        std::ofstream(path, std::ios::app | std::ios::binary) << "0badc0de {\"event\":";
        {
            auto writer = journal_writer::append_to(path.string());
            REQUIRE(writer.has_value());
            (*writer)->publish(run_finished{true, fixture_time(20)});
        }
        const auto c = read_journal(path.string());
        REQUIRE(c.has_value());
        CHECK_FALSE(c->torn_tail);
        REQUIRE(c->events.size() == events.size() + 1);
        CHECK(std::get<run_finished>(c->events.back()).interrupted);
    }
    fs::remove_all(dir);
}

TEST_CASE("a report rebuilt from a journal cut by a crash shows the unfinished host", "[journal][unit]") {
    const auto dir = fresh_dir("journal-crash");
    const auto path = dir / "run.journal";
    auto events = fixture_events();
    events.resize(7);  // up to web01's apply step_started
    write_journal(path, events);
    std::ofstream(path, std::ios::app | std::ios::binary) << "1234abcd {\"event\":\"step_fin";
    const auto c = read_journal(path.string());
    REQUIRE(c.has_value());
    const auto r = build_report(c->events);
    CHECK_FALSE(r.complete);
    const auto* web01 = r.find("web01");
    REQUIRE(web01->in_flight.has_value());
    CHECK(web01->in_flight->in_phase == phase::apply);
    CHECK(status_word(*web01) == "unfinished");
    fs::remove_all(dir);
}

TEST_CASE("two runs cannot hold the report folder at once", "[journal][unit]") {
    const auto dir = fresh_dir("journal-lock");
    {
        auto first = run_lock::acquire(dir.string(), "20261127T080000Z-aaaa");
        REQUIRE(first.has_value());
        auto second = run_lock::acquire(dir.string(), "20261127T080001Z-bbbb");
        REQUIRE_FALSE(second.has_value());
        CHECK_THAT(second.error(), Catch::Contains("pid " + std::to_string(::getpid())));
        CHECK_THAT(second.error(), Catch::Contains("20261127T080000Z-aaaa"));
    }
    CHECK(run_lock::acquire(dir.string(), "later").has_value());  // released with its owner
    auto nowhere = run_lock::acquire((dir / "missing").string(), "x");
    REQUIRE_FALSE(nowhere.has_value());
    CHECK_THAT(nowhere.error(), Catch::Contains("missing"));
    fs::remove_all(dir);
}
