// `fleetmend resume` and interruption as a user meets them: a torn last
// journal record, SIGINT (and a second SIGINT), the lock between runs, a
// playbook that changed since the run started.
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/report/report.hpp"
#include "resume_support.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <thread>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// Waits until the journal holds `bytes` (or the child ended); false on time-out.
bool wait_for_journal(child_process& child, const fs::path& report_dir, std::uintmax_t bytes,
                      std::chrono::seconds limit = 60s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (child.poll()) return false;
        const auto journal = find_journal(report_dir);
        if (!journal.empty() && size_of(journal) >= bytes) return true;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

/// Every host answering slowly, so a run is still busy when signalled.
lab_shape slow_fleet(const char* latency, unsigned hosts) {
    lab_shape shape;
    shape.hosts = hosts;
    shape.slow_percent = 100;
    shape.slow_latency = latency;
    shape.not_elevated = {17};
    return shape;
}

/// Four hosts whose every command hangs: all four are in flight when signalled.
lab_shape hanging_fleet() {
    lab_shape shape;
    shape.hosts = 4;
    shape.slow_percent = 0;
    shape.not_elevated = {};
    shape.hanging = {1, 2, 3, 4};
    return shape;
}

/// Waits until every hanging host has a shell open and its first command
/// running (or the child ended); true when they have.
bool wait_for_open_shells(child_process& child, const trial_lab& lab, unsigned shells) {
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until && !child.poll() && lab.fleet->totals().open_shells < shells)
        std::this_thread::sleep_for(10ms);
    return lab.fleet->totals().open_shells >= shells;
}

/// SIGINT, and once its notice is printed (so it is a second signal whatever
/// the machine's speed) SIGINT again. The exit status (-2: the first notice never came).
int interrupt_twice(child_process& run, const fs::path& log) {
    run.send(SIGINT);
    if (!wait_for_text(log, "stopping: no new host starts", 20s)) return -2;
    run.send(SIGINT);
    return run.wait(60s);
}

std::string expected_hint(const fs::path& journal) { return "to continue: fleetmend resume " + journal.string(); }

}  // namespace

TEST_CASE("a journal whose last record was torn mid-write is cut there and the run resumes",
          "[resume][integration]") {
    lab_shape shape;
    shape.hosts = 40;
    shape.slow_percent = 20;
    shape.not_elevated = {17};
    auto lab = start_lab(shape, 40);
    child_process run(run_args(*lab, "1,25%,100%", 10), lab->dir / "run.out");
    REQUIRE(wait_for_journal(run, lab->report_dir, 40'000));
    run.send(SIGKILL);
    run.wait(10s);
    const auto journal = find_journal(lab->report_dir);

    // Cut the last record in the middle, as a crash during its write leaves it.
    const std::string text = read_text(journal);
    const auto last_start = text.rfind('\n', text.size() - 2) + 1;
    fs::resize_file(journal, last_start + (text.size() - last_start) / 2);
    const auto torn = fleetmend::read_journal(journal.string());
    REQUIRE(torn.has_value());
    REQUIRE(torn->torn_tail);

    const auto resumed = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "resume.out", 120s);
    INFO(resumed.output);
    CHECK(resumed.status == 2);  // host 17's apply fails (not elevated)
    CHECK_THAT(resumed.output, Catch::Contains("torn record"));
    const auto problems = whole_run_problems(*lab->fleet, fs::path(journal).replace_extension(".json"));
    for (const auto& p : problems) UNSCOPED_INFO(p);
    CHECK(problems.empty());
    const auto healed = fleetmend::read_journal(journal.string());
    REQUIRE(healed.has_value());
    CHECK_FALSE(healed->torn_tail);  // new records follow the last good one
}

TEST_CASE("SIGINT: hosts in flight finish, exit status 5, the resume command is printed and completes the run",
          "[resume][integration]") {
    auto lab = start_lab(slow_fleet("100ms", 24), 41);
    child_process run(run_args(*lab, "1,100%", 6), lab->dir / "run.out");
    REQUIRE(wait_for_journal(run, lab->report_dir, 30'000));
    run.send(SIGINT);
    const int status = run.wait(60s);
    const std::string output = read_text(lab->dir / "run.out");
    INFO(output);
    CHECK(status == 5);
    const auto journal = find_journal(lab->report_dir);
    CHECK_THAT(output, Catch::Contains(expected_hint(journal)));
    auto interrupted = fleetmend::read_report_file(fs::path(journal).replace_extension(".json").string());
    REQUIRE(interrupted.has_value());
    CHECK(interrupted->interrupted);
    CHECK(interrupted->summary.at("skipped") > 0);
    CHECK(interrupted->summary.at("unfinished") == 0);  // in-flight hosts were let finish

    const auto resumed = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "resume.out", 120s);
    INFO(resumed.output);
    CHECK(resumed.status == 2);
    const auto problems = whole_run_problems(*lab->fleet, fs::path(journal).replace_extension(".json"));
    for (const auto& p : problems) UNSCOPED_INFO(p);
    CHECK(problems.empty());
}

TEST_CASE("a second SIGINT aborts the steps in flight, still writes journal and report, and the run resumes",
          "[resume][integration]") {
    auto lab = start_lab(slow_fleet("250ms", 18), 42);
    child_process run(run_args(*lab, "1,100%", 8), lab->dir / "run.out");
    REQUIRE(wait_for_journal(run, lab->report_dir, 20'000));
    const int status = interrupt_twice(run, lab->dir / "run.out");
    const std::string output = read_text(lab->dir / "run.out");
    INFO(output);
    CHECK(status == 5);
    const auto journal = find_journal(lab->report_dir);
    CHECK_THAT(output, Catch::Contains("aborted") && Catch::Contains(expected_hint(journal)));
    auto aborted = fleetmend::read_report_file(fs::path(journal).replace_extension(".json").string());
    REQUIRE(aborted.has_value());
    CHECK(aborted->interrupted);
    // Cut off mid-step (each host needs seconds): their outcome is unknown, not waited for.
    CHECK(aborted->summary.at("unfinished") > 0);

    const auto resumed = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "resume.out", 120s);
    INFO(resumed.output);
    CHECK(resumed.status == 2);
    const auto problems = whole_run_problems(*lab->fleet, fs::path(journal).replace_extension(".json"));
    for (const auto& p : problems) UNSCOPED_INFO(p);
    CHECK(problems.empty());
}

TEST_CASE("a second SIGINT terminates hanging WinRM commands: the lab's open shells go back to zero, report written",
          "[resume][integration]") {
    auto lab = start_lab(hanging_fleet(), 44);
    child_process run(run_args(*lab, "100%", 4), lab->dir / "run.out");
    REQUIRE(wait_for_open_shells(run, *lab, 4));
    const int status = interrupt_twice(run, lab->dir / "run.out");
    const std::string output = read_text(lab->dir / "run.out");
    INFO(output);
    CHECK(status == 5);
    CHECK_THAT(output, Catch::Contains("4 steps in flight were stopped on the hosts"));
    CHECK_THAT(output, !Catch::Contains("still open"));
    CHECK(lab->fleet->totals().open_shells == 0);  // Signal terminate and Delete reached every host
    const auto journal = find_journal(lab->report_dir);
    CHECK_THAT(output, Catch::Contains(expected_hint(journal)));
    auto aborted = fleetmend::read_report_file(fs::path(journal).replace_extension(".json").string());
    REQUIRE(aborted.has_value());
    CHECK(aborted->interrupted);
    CHECK(aborted->summary.at("unfinished") == 4);  // cut off, recorded in flight: resume captures them again
}

TEST_CASE("exec: a second SIGINT terminates the hanging commands on their hosts and still prints the answers",
          "[resume][integration]") {
    auto lab = start_lab(hanging_fleet(), 45);
    child_process exec({"exec", "-i", lab->fleet->inventory_path(), "--limit", "all", "--", "hostname"},
                       lab->dir / "exec.out");
    REQUIRE(wait_for_open_shells(exec, *lab, 4));
    exec.send(SIGINT);
    REQUIRE(wait_for_text(lab->dir / "exec.out", "stopping: no new host starts", 20s));
    exec.send(SIGINT);
    const int status = exec.wait(60s);
    const std::string output = read_text(lab->dir / "exec.out");
    INFO(output);
    CHECK(status == 5);
    CHECK_THAT(output, Catch::Contains("then their answers are shown"));  // exec keeps no journal to resume
    CHECK_THAT(output, !Catch::Contains("fleetmend resume"));
    CHECK_THAT(output, Catch::Contains("4 commands in flight were stopped on their hosts"));
    CHECK_THAT(output, Catch::Contains("exec: 4 hosts:"));  // the summary is still printed
    CHECK_THAT(output, !Catch::Contains("still open"));
    CHECK(lab->fleet->totals().open_shells == 0);  // nothing of the command is left on the hosts
}

TEST_CASE("while a run works, a second run on its hosts or a resume of its journal is refused, naming the holder",
          "[resume][integration]") {
    auto lab = start_lab(slow_fleet("100ms", 20), 43);
    child_process first(run_args(*lab, "100%", 4), lab->dir / "first.out");
    REQUIRE(wait_for_journal(first, lab->report_dir, 2'000));
    const auto journal = find_journal(lab->report_dir);

    const auto second = run_to_end(run_args(*lab), lab->dir / "second.out", 30s);
    INFO(second.output);
    CHECK(second.status == 64);
    CHECK_THAT(second.output, Catch::Contains("another fleetmend run holds") &&
                                  Catch::Contains("pid " + std::to_string(first.pid())));
    // From another report folder, and on just one of its hosts (--limit): the machine is still refused.
    auto elsewhere = run_args(*lab);
    elsewhere.back() = (lab->dir / "other-reports").string();
    elsewhere.insert(elsewhere.end(), {"--limit", lab->fleet->host_names().back()});
    const auto third = run_to_end(elsewhere, lab->dir / "third.out", 30s);
    INFO(third.output);
    CHECK(third.status == 64);
    CHECK_THAT(third.output, Catch::Contains("same machine") && Catch::Contains("pid " + std::to_string(first.pid())));
    const auto resume = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "resume.out", 30s);
    INFO(resume.output);
    CHECK(resume.status == 64);
    CHECK_THAT(resume.output, Catch::Contains("another fleetmend run holds"));
    CHECK(first.poll() == std::nullopt);  // neither disturbed the run

    first.send(SIGKILL);
    first.wait(10s);
    // The kernel drops the lock with the process: no stale lock after a kill -9.
    const auto after = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "after.out", 120s);
    INFO(after.output);
    CHECK(after.status == 2);
}

TEST_CASE("resume refuses a playbook that changed since the run started, and a finished run has nothing to do",
          "[resume][integration]") {
    lab_shape shape;
    shape.hosts = 6;
    shape.slow_percent = 0;
    shape.not_elevated = {};
    auto lab = start_lab(shape, 44);
    const fs::path playbook = lab->dir / "teredo.toml";
    fs::copy_file(teredo_playbook, playbook);
    auto args = run_args(*lab);
    args[3] = playbook.string();
    child_process run(args, lab->dir / "run.out");
    REQUIRE(run.wait(60s) == 0);
    const auto journal = find_journal(lab->report_dir);

    const auto done = run_to_end({"resume", journal.string()}, lab->dir / "done.out", 30s);
    INFO(done.output);
    CHECK(done.status == 0);
    CHECK_THAT(done.output, Catch::Contains("already finished"));

    // Make the journal look interrupted (drop run_finished), then edit the playbook.
    const std::string text = read_text(journal);
    fs::resize_file(journal, text.rfind('\n', text.size() - 2) + 1);
    std::ofstream(playbook, std::ios::app) << "# edited after the run\n";
    const auto refused = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "refused.out", 30s);
    INFO(refused.output);
    CHECK(refused.status == 64);
    CHECK_THAT(refused.output, Catch::Contains("is not the one run") && Catch::Contains("restore that playbook"));
}
