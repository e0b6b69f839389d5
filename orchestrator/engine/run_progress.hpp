#pragma once
/// What a run shows while it works. Three forms, one event sink:
///  - live: one status line on a terminal, redrawn on every milestone and
///    once a second while a batch runs (elapsed clock, batch i/n, done, in
///    flight, failed and unreachable apart, rate, ETA, the slowest hosts in
///    flight by name), with failures printed above it as they happen;
///  - plain: one line per batch and per finished host, for pipes and logs;
///  - json: every event as one JSON object per line, for machines.
#include "orchestrator/report/events.hpp"

#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace fleetmend {

enum class progress_style { live, plain, json };

/// Counts of a run so far, kept by the progress view (and handy for tests).
struct progress_counts {
    int batches = 0;
    int batch = 0;  // current, 1-based
    int hosts_total = 0;
    int done = 0;
    int in_flight = 0;
    int failed = 0;       // failed, rollback-failed (and rolled-back outside a rollback run)
    int unreachable = 0;  // counted apart: a network problem, not a host that refused the change
};

/// A host in flight and how long it has run so far.
struct host_running {
    std::string name;
    std::chrono::milliseconds running{0};
};

class run_progress final : public event_sink {
public:
    /// Writes to `out` (stdout for json, stderr or stdout for the others).
    run_progress(progress_style style, std::FILE* out);
    /// Ends the live line so later output starts on a fresh line.
    ~run_progress() override;

    [[nodiscard]] progress_counts counts() const noexcept { return counts_; }
    /// Ends the live line (if one is open) so later output starts on a fresh line.
    void end_line();

    /// The live status line (pure). `elapsed` is wall time since the run
    /// started; `active` leaves out the time between batches (a --step
    /// prompt waiting for its answer), so the rate and ETA measure work.
    /// `slowest`: hosts in flight, longest running first (the first 3 shown).
    [[nodiscard]] static std::string status_line(const progress_counts& counts, std::chrono::milliseconds elapsed,
                                                 std::chrono::milliseconds active,
                                                 const std::vector<host_running>& slowest = {});

protected:
    void on_event(const run_event& event) override;

private:
    void count(const run_event& event);
    void print_plain(const run_event& event);
    void redraw(bool force);
    void print_above(const std::string& line);
    void tick(std::stop_token stop);
    [[nodiscard]] std::chrono::milliseconds active(std::chrono::steady_clock::time_point now) const;
    [[nodiscard]] std::vector<host_running> slowest(std::chrono::steady_clock::time_point now) const;

    progress_style style_;
    std::FILE* out_;
    progress_counts counts_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_draw_{};
    bool line_open_ = false;
    run_mode mode_ = run_mode::apply;
    std::set<std::string> finished_once_;
    std::map<std::string, std::chrono::steady_clock::time_point> running_;  // host -> started
    std::chrono::milliseconds active_before_{0};  // batches finished so far
    std::optional<std::chrono::steady_clock::time_point> batch_started_;  // a batch runs now
    std::mutex mutex_;  // state and output: events and the ticker draw from two threads
    std::condition_variable_any wake_;
    std::jthread ticker_;  // last: stopped before the rest goes
};

}  // namespace fleetmend
