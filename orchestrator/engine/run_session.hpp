#pragma once
/// The files and sinks of one run: the report folder (locked against a second
/// run), the journal, the report fold and the progress view, fed by one
/// fan-out so every event reaches the journal first.
#include "orchestrator/engine/event_fan_out.hpp"
#include "orchestrator/engine/run_progress.hpp"
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/journal/run_lock.hpp"
#include "orchestrator/report/report.hpp"

#include <cstdint>
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
    /// `journal_reserve` bytes are claimed on disk for the journal first
    /// (journal_options::reserve_bytes): a folder without room for them
    /// fails here, before any host is touched.
    [[nodiscard]] static std::expected<std::unique_ptr<run_session>, std::string> open(
        const std::string& report_dir, const std::string& run_id, progress_style style, std::FILE* progress_out,
        std::uint64_t journal_reserve = 0);

    /// `fleetmend resume`: continues the run of an existing journal under a
    /// lock the caller already holds (taken before the journal was read, so
    /// no other resume reads it meanwhile). The journal is reopened with
    /// journal_writer::append_to (a torn last record is cut off) and the
    /// report starts from `journal_events`, so it covers the whole run.
    [[nodiscard]] static std::expected<std::unique_ptr<run_session>, std::string> reopen(
        run_lock lock, const std::string& journal_path, const std::vector<run_event>& journal_events,
        progress_style style, std::FILE* progress_out, std::uint64_t journal_reserve = 0);

    run_session(const run_session&) = delete;
    run_session& operator=(const run_session&) = delete;
    ~run_session();

    /// Where the engine publishes its events.
    [[nodiscard]] event_sink& sink() noexcept { return fan_out_; }

    /// Flushes the journal, gives its reserved space back and writes
    /// "<dir>/<run-id>.json" atomically from the events so far. When that
    /// folder fails, the report goes to the journal's folder, then to
    /// $TMPDIR (or /tmp); report_path() then says where and report_note()
    /// why. Fails only when no place took it. Returns the report.
    [[nodiscard]] std::expected<run_report, std::string> finish();
    /// Why the report is not where it was asked for (empty: it is).
    [[nodiscard]] const std::string& report_note() const noexcept { return report_note_; }
    /// Whether the journal still records (an error naming it and why).
    [[nodiscard]] std::expected<void, std::string> journal_health() const { return journal_->health(); }
    /// The report as it stands (after finish: the whole run).
    [[nodiscard]] run_report snapshot() { return report_.snapshot(); }

    /// For an abort (second signal) while engine threads still run: records
    /// run_finished (interrupted), flushes the journal and writes the report
    /// as it stands (hosts in flight show as unfinished).
    [[nodiscard]] std::expected<void, std::string> write_interrupted();

    [[nodiscard]] const std::string& report_path() const noexcept { return report_path_; }
    [[nodiscard]] const std::string& journal_path() const noexcept { return journal_path_; }
    /// Closes the live progress line so later output starts on a fresh line.
    void end_progress() { progress_->end_line(); }

private:
    std::expected<void, std::string> write_report(const run_report& report);

    run_session(run_lock lock, std::unique_ptr<journal_writer> journal, std::unique_ptr<run_progress> progress,
                std::string report_path);

    run_lock lock_;
    std::unique_ptr<journal_writer> journal_;
    report_builder report_;
    std::unique_ptr<run_progress> progress_;
    event_fan_out fan_out_;
    std::string report_path_;
    std::string journal_path_;
    std::string report_note_;
};

/// Whether an error of open/reopen is the report folder's or the journal's
/// (not a lock another run holds).
[[nodiscard]] bool session_error_is_records(const std::string& error);

/// A generous estimate of the journal of `hosts` hosts running `book` (every
/// step with full excerpts and a retry or two), capped so a huge fleet does
/// not claim gigabytes up front.
[[nodiscard]] std::uint64_t journal_reserve_estimate(std::size_t hosts, const playbook& book,
                                                     std::size_t excerpt_bytes);

}  // namespace fleetmend
