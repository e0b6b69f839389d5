#pragma once
/// The files and sinks of one run: the report folder (locked against a second
/// run), the journal, the report fold and the progress view, fed by one
/// fan-out so every event reaches the journal first.
#include "orchestrator/engine/event_fan_out.hpp"
#include "orchestrator/engine/run_progress.hpp"
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/journal/run_lock.hpp"
#include "orchestrator/report/report.hpp"

#include <cstdio>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend {

class run_session {
public:
    /// Creates the report folder if needed, locks it, creates
    /// "<dir>/<run-id>.journal". Errors say which path and why.
    [[nodiscard]] static std::expected<std::unique_ptr<run_session>, std::string> open(
        const std::string& report_dir, const std::string& run_id, progress_style style, std::FILE* progress_out);

    /// `fleetmend resume`: continues the run of an existing journal under a
    /// lock the caller already holds (taken before the journal was read, so
    /// no other resume reads it meanwhile). The journal is reopened with
    /// journal_writer::append_to (a torn last record is cut off) and the
    /// report starts from `journal_events`, so it covers the whole run.
    [[nodiscard]] static std::expected<std::unique_ptr<run_session>, std::string> reopen(
        run_lock lock, const std::string& journal_path, const std::vector<run_event>& journal_events,
        progress_style style, std::FILE* progress_out);

    run_session(const run_session&) = delete;
    run_session& operator=(const run_session&) = delete;
    ~run_session();

    /// Where the engine publishes its events.
    [[nodiscard]] event_sink& sink() noexcept { return fan_out_; }

    /// Writes "<dir>/<run-id>.json" atomically from the events so far and
    /// flushes the journal. Returns the report.
    [[nodiscard]] std::expected<run_report, std::string> finish();

    /// For an abort (second signal) while engine threads still run: records
    /// run_finished (interrupted), flushes the journal and writes the report
    /// as it stands (hosts in flight show as unfinished).
    [[nodiscard]] std::expected<void, std::string> write_interrupted();

    [[nodiscard]] const std::string& report_path() const noexcept { return report_path_; }
    [[nodiscard]] const std::string& journal_path() const noexcept { return journal_path_; }
    /// Closes the live progress line so later output starts on a fresh line.
    void end_progress() { progress_->end_line(); }

private:
    run_session(run_lock lock, std::unique_ptr<journal_writer> journal, std::unique_ptr<run_progress> progress,
                std::string report_path);

    run_lock lock_;
    std::unique_ptr<journal_writer> journal_;
    report_builder report_;
    std::unique_ptr<run_progress> progress_;
    event_fan_out fan_out_;
    std::string report_path_;
    std::string journal_path_;
};

}  // namespace fleetmend
