#pragma once
/// What a run shows while it works. Three forms, one event sink:
///  - live: one redrawn status line on a terminal (batch i/n, done, in flight,
///    failed, rate, ETA) with failures printed above it as they happen;
///  - plain: one line per batch and per finished host, for pipes and logs;
///  - json: every event as one JSON object per line, for machines.
#include "orchestrator/report/events.hpp"

#include <chrono>
#include <cstdio>
#include <set>
#include <string>

namespace fleetmend {

enum class progress_style { live, plain, json };

/// Counts of a run so far, kept by the progress view (and handy for tests).
struct progress_counts {
    int batches = 0;
    int batch = 0;  // current, 1-based
    int hosts_total = 0;
    int done = 0;
    int in_flight = 0;
    int failed = 0;  // failed, unreachable, rollback-failed
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

    /// The live status line for given counts and elapsed time (pure).
    [[nodiscard]] static std::string status_line(const progress_counts& counts,
                                                 std::chrono::milliseconds elapsed);

protected:
    void on_event(const run_event& event) override;

private:
    void count(const run_event& event);
    void print_plain(const run_event& event);
    void redraw(bool force);
    void print_above(const std::string& line);

    progress_style style_;
    std::FILE* out_;
    progress_counts counts_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_draw_{};
    bool line_open_ = false;
    run_mode mode_ = run_mode::apply;
    std::set<std::string> finished_once_;
};

}  // namespace fleetmend
