// The "done when": seeded kill -9 trials on a 200-host lab run. Each
// trial starts `fleetmend run`, SIGKILLs it once the journal has grown to a
// seeded random size (so kills land anywhere: between hosts, mid-step, mid
// apply), runs `fleetmend resume JOURNAL`, and proves the whole run ended
// right (resume_support.hpp: whole_run_problems). Every fifth trial also
// SIGKILLs the first resume and resumes again. Two trials run side by side,
// each on a lab of its own.
//
// Replay a failure: FLEETMEND_RESUME_SEED=<the printed seed>; more or fewer
// trials: FLEETMEND_RESUME_TRIALS=N.
#include "resume_support.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

enum class ending { killed, ended, failed_to_start, timed_out };

/// Starts `args` and SIGKILLs it as soon as `kill_now(journal)` says so
/// (asked every millisecond once the run has a journal).
ending kill_when(const std::vector<std::string>& args, const fs::path& log, const fs::path& report_dir,
                 const std::function<bool(const fs::path&)>& kill_now, int& status) {
    child_process child(args, log);
    if (child.pid() <= 0) return ending::failed_to_start;
    const auto until = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < until) {
        if (auto ended = child.poll()) {
            status = *ended;
            return ending::ended;
        }
        const auto journal = find_journal(report_dir);
        if (!journal.empty() && kill_now(journal)) {
            child.send(SIGKILL);
            status = child.wait(10s);
            return ending::killed;
        }
        std::this_thread::sleep_for(1ms);
    }
    return ending::timed_out;
}

/// Starts `args` and SIGKILLs it when the journal reaches `kill_at` bytes.
ending kill_when_journal_reaches(const std::vector<std::string>& args, const fs::path& log,
                                 const fs::path& report_dir, std::uintmax_t kill_at, int& status) {
    return kill_when(args, log, report_dir, [kill_at](const fs::path& journal) { return size_of(journal) >= kill_at; },
                     status);
}

struct trial_plan {
    unsigned number = 0;
    std::uintmax_t kill_at = 0;
    bool kill_resume_too = false;
    std::uintmax_t resume_kill_extra = 0;
};

/// What one trial saw; judged on the main thread (Catch is not thread-safe).
struct trial_result {
    trial_plan plan;
    ending run = ending::timed_out;
    int run_status = -1;
    std::uintmax_t journal_at_kill = 0;
    bool resume_killed = false;
    int first_resume_status = -1;
    int resume_status = -1;
    bool already_finished = false;
    std::string resume_output;
    std::vector<std::string> problems;
    double seconds = 0;
};

trial_result run_trial(const trial_plan& plan, trial_lab& lab) {
    trial_result r{plan};
    const auto t0 = std::chrono::steady_clock::now();
    r.run = kill_when_journal_reaches(run_args(lab, "1,10%,100%", 100), lab.dir / "run.out", lab.report_dir,
                                      plan.kill_at, r.run_status);
    const fs::path journal = find_journal(lab.report_dir);
    if (journal.empty() || r.run == ending::failed_to_start || r.run == ending::timed_out) {
        r.problems.push_back("the run did not start or did not end: " + read_text(lab.dir / "run.out"));
        return r;
    }
    r.journal_at_kill = size_of(journal);
    if (r.run == ending::killed && plan.kill_resume_too) {
        const auto again = kill_when_journal_reaches({"resume", journal.string(), "--yes"}, lab.dir / "resume1.out",
                                                     lab.report_dir, r.journal_at_kill + plan.resume_kill_extra,
                                                     r.first_resume_status);
        r.resume_killed = again == ending::killed;
    }
    const auto resumed = run_to_end({"resume", journal.string(), "--yes"}, lab.dir / "resume.out", 120s);
    r.resume_status = resumed.status;
    r.resume_output = resumed.output;
    r.already_finished = resumed.output.find("already finished") != std::string::npos;
    r.problems = whole_run_problems(*lab.fleet, fs::path(journal).replace_extension(".json"));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

void judge(const trial_result& r, std::uint64_t seed) {
    CAPTURE(seed, r.plan.number, r.plan.kill_at, r.plan.kill_resume_too, r.plan.resume_kill_extra);
    INFO(r.resume_output);
    std::string problems;
    for (const auto& p : r.problems) problems += p + "\n";
    INFO(problems);
    CHECK(r.problems.empty());
    if (r.run == ending::killed) {
        CHECK(r.run_status == 128 + SIGKILL);
        if (r.plan.kill_resume_too && !r.resume_killed) CHECK(r.first_resume_status == 2);
    } else {
        CHECK(r.run_status == 2);  // the planted not-elevated hosts failed
        CHECK(r.already_finished);
    }
    // A kill that lands after the run recorded its end leaves nothing to do.
    CHECK(r.resume_status == (r.already_finished ? 0 : 2));
    std::printf("trial %2u: killed at %7ju bytes%s -> resumed, exit %d, %zu problems, %.1f s\n", r.plan.number,
                r.journal_at_kill,
                r.run != ending::killed ? " (run ended first)" : r.resume_killed ? " (and the resume once)" : "",
                r.resume_status, r.problems.size(), r.seconds);
    std::fflush(stdout);
}

}  // namespace

TEST_CASE("20 seeded kill -9 trials on a 200-host lab run all resume to a complete, correct report",
          "[resume][integration]") {
    const std::uint64_t seed = env_number("FLEETMEND_RESUME_SEED", std::random_device{}());
    const auto trials = static_cast<unsigned>(env_number("FLEETMEND_RESUME_TRIALS", 20));
    std::printf("kill -9 trials: seed %llu (replay with FLEETMEND_RESUME_SEED=%llu)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    std::mt19937_64 random(seed);
    // A whole run's journal is ~1 MB (200 hosts, the Teredo playbook): kill
    // points spread over it, so a few land after the run ended (also checked).
    std::vector<trial_plan> plans;
    for (unsigned n = 1; n <= trials; ++n) {
        trial_plan plan{n};
        plan.kill_at = std::uniform_int_distribution<std::uintmax_t>(2'000, 900'000)(random);
        plan.kill_resume_too = n % 5 == 0;
        plan.resume_kill_extra = std::uniform_int_distribution<std::uintmax_t>(1'000, 200'000)(random);
        plans.push_back(plan);
    }

    unsigned killed = 0, resumes_killed = 0;
    for (std::size_t first = 0; first < plans.size(); first += 2) {
        const std::size_t count = std::min<std::size_t>(2, plans.size() - first);
        // Labs start here, before any trial thread: starting one sets
        // process-wide GSSAPI settings (all labs share one account).
        std::vector<std::unique_ptr<trial_lab>> labs;
        for (std::size_t i = 0; i < count; ++i) labs.push_back(start_lab(lab_shape{}, plans[first + i].number));
        std::vector<trial_result> results(count);
        {
            std::vector<std::jthread> running;
            for (std::size_t i = 0; i < count; ++i)
                running.emplace_back([&, i] { results[i] = run_trial(plans[first + i], *labs[i]); });
        }
        for (const auto& r : results) {
            judge(r, seed);
            if (r.run == ending::killed) ++killed;
            if (r.resume_killed) ++resumes_killed;
        }
    }
    // The trials are worth something only if most kills landed mid-run.
    CHECK(killed >= trials * 3 / 4);
    std::printf("kill -9 trials: %u of %u killed mid-run (%u resumes killed too)\n", killed, trials, resumes_killed);
}

namespace {

/// Starts `args` and SIGKILLs it right after the journal records its
/// `occurrence`-th transition into `phase` (a line holding both words).
ending kill_at_transition(const std::vector<std::string>& args, const fs::path& log, const fs::path& report_dir,
                          const std::string& phase, unsigned occurrence, int& status) {
    const std::string wanted = "\"to\":\"" + phase + "\"";
    std::uintmax_t read_to = 0;
    std::string partial;
    unsigned seen = 0;
    return kill_when(args, log, report_dir, [&](const fs::path& journal) {
        if (size_of(journal) <= read_to) return false;
        std::ifstream in(journal, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(read_to));
        std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        read_to += chunk.size();
        partial += chunk;
        for (std::size_t end; (end = partial.find('\n')) != std::string::npos; partial.erase(0, end + 1)) {
            const std::string_view line(partial.data(), end);
            if (line.find("\"event\":\"host_transition\"") != std::string_view::npos &&
                line.find(wanted) != std::string_view::npos && ++seen == occurrence)
                return true;
        }
        return false;
    }, status);
}

}  // namespace

TEST_CASE("seeded kill -9 right after each kind of lifecycle transition resumes to a correct report",
          "[resume][integration]") {
    const std::uint64_t seed = env_number("FLEETMEND_RESUME_SEED", std::random_device{}());
    std::printf("lifecycle kill trials: seed %llu (replay with FLEETMEND_RESUME_SEED=%llu)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    std::mt19937_64 random(seed);
    // Every phase a host enters, the changing ones (apply, rollback) twice.
    const std::vector<std::string> phases{"capture", "compliant", "apply", "apply", "verify", "recapture"};
    unsigned killed = 0;
    for (std::size_t n = 0; n < phases.size(); ++n) {
        lab_shape shape;
        shape.hosts = 40;
        shape.slow_percent = 30;
        shape.not_elevated = {7, 23};
        auto lab = start_lab(shape, 80 + static_cast<unsigned>(n));
        const unsigned occurrence = std::uniform_int_distribution<unsigned>(1, 20)(random);
        CAPTURE(seed, phases[n], occurrence);
        int status = -1;
        const auto run = kill_at_transition(run_args(*lab, "1,25%,100%", 8), lab->dir / "run.out", lab->report_dir,
                                            phases[n], occurrence, status);
        REQUIRE(run != ending::timed_out);
        REQUIRE(run != ending::failed_to_start);
        if (run == ending::killed) ++killed;
        const auto journal = find_journal(lab->report_dir);
        REQUIRE_FALSE(journal.empty());
        const auto resumed = run_to_end({"resume", journal.string(), "--yes"}, lab->dir / "resume.out", 120s);
        INFO(resumed.output);
        const bool already = resumed.output.find("already finished") != std::string::npos;
        CHECK(resumed.status == (already ? 0 : 2));  // the planted not-elevated hosts failed
        const auto problems = whole_run_problems(*lab->fleet, fs::path(journal).replace_extension(".json"));
        std::string text;
        for (const auto& p : problems) text += p + "\n";
        INFO(text);
        CHECK(problems.empty());
    }
    CHECK(killed >= phases.size() - 1);
}
