#include "orchestrator/engine/run_session.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace fleetmend {

std::expected<std::unique_ptr<run_session>, std::string> run_session::open(const std::string& report_dir,
                                                                           const std::string& run_id,
                                                                           progress_style style,
                                                                           std::FILE* progress_out,
                                                                           std::uint64_t journal_reserve) {
    std::error_code ec;
    std::filesystem::create_directories(report_dir, ec);
    if (ec)
        return std::unexpected("cannot create the report folder " + report_dir + ": " + ec.message() +
                               "; pick another with --report-dir");
    auto lock = run_lock::acquire(report_dir, run_id);
    if (!lock) return std::unexpected(lock.error());
    journal_options journal_settings;
    journal_settings.reserve_bytes = journal_reserve;
    auto journal = journal_writer::create(fleetmend::journal_path(report_dir, run_id), journal_settings);
    if (!journal) return std::unexpected(journal.error());
    auto progress = std::make_unique<run_progress>(style, progress_out);
    const std::string report_path = (std::filesystem::path(report_dir) / (run_id + ".json")).string();
    return std::unique_ptr<run_session>(
        new run_session(std::move(*lock), std::move(*journal), std::move(progress), report_path));
}

std::expected<std::unique_ptr<run_session>, std::string> run_session::reopen(
    run_lock lock, const std::string& journal_path, const std::vector<run_event>& journal_events,
    progress_style style, std::FILE* progress_out, std::uint64_t journal_reserve) {
    journal_options journal_settings;
    journal_settings.reserve_bytes = journal_reserve;
    auto journal = journal_writer::append_to(journal_path, journal_settings);
    if (!journal) return std::unexpected(journal.error());
    auto path = std::filesystem::path(journal_path);
    const std::string report_path = path.replace_extension(".json").string();
    auto progress = std::make_unique<run_progress>(style, progress_out);
    auto session = std::unique_ptr<run_session>(
        new run_session(std::move(lock), std::move(*journal), std::move(progress), report_path));
    // Straight into the report, not through the fan-out: these are on disk already.
    for (const auto& event : journal_events) session->report_.publish(event);
    return session;
}

run_session::run_session(run_lock lock, std::unique_ptr<journal_writer> journal,
                         std::unique_ptr<run_progress> progress, std::string report_path)
    : lock_(std::move(lock)), journal_(std::move(journal)), progress_(std::move(progress)),
      fan_out_({journal_.get(), &report_, progress_.get()}), report_path_(std::move(report_path)),
      journal_path_(journal_->path()) {}

run_session::~run_session() = default;

std::expected<run_report, std::string> run_session::finish() {
    (void)journal_->flush();  // a journal failure is the run's verdict, reported with it
    journal_->release_reserve();
    run_report report = report_.snapshot();
    if (auto written = write_report(report); !written) return std::unexpected(written.error());
    return report;
}

std::expected<void, std::string> run_session::write_interrupted() {
    fan_out_.publish(run_finished{true, std::chrono::system_clock::now()});
    // The reservation stays: engine threads still publish, and giving it
    // back (a truncate to the file's size) could race their appends.
    auto flushed = journal_->flush();
    if (auto written = write_report(report_.snapshot()); !written) return std::unexpected(written.error());
    if (!flushed) return std::unexpected("the journal " + journal_path_ + " is incomplete: " + flushed.error());
    return {};
}

std::expected<void, std::string> run_session::write_report(const run_report& report) {
    namespace fs = std::filesystem;
    const std::string name = fs::path(report_path_).filename().string();
    std::vector<std::string> places{report_path_};
    const auto journal_folder = fs::path(journal_path_).parent_path();
    if (journal_folder != fs::path(report_path_).parent_path()) places.push_back((journal_folder / name).string());
    const char* tmp = std::getenv("TMPDIR");
    places.push_back((fs::path(tmp && *tmp ? tmp : "/tmp") / name).string());
    std::string failures;
    for (const auto& place : places) {
        auto written = write_report_file(report, place);
        if (written) {
            if (place != report_path_) {
                report_note_ = "the report could not be written where asked (" + failures + "); it was written to " +
                               place + " instead";
                report_path_ = place;
            }
            return {};
        }
        failures += (failures.empty() ? "" : "; ") + written.error();
    }
    return std::unexpected(failures);
}

bool session_error_is_records(const std::string& error) {
    // A lock another run holds is the one error that is not about the folder.
    return !error.starts_with("another fleetmend run holds");
}

std::uint64_t journal_reserve_estimate(std::size_t hosts, const playbook& book, std::size_t excerpt_bytes) {
    // Per step: step_started, and step_finished with its command, message and
    // excerpts (half the cap: real outputs are far below it); reads happen up
    // to three times (capture, recapture, after a rollback).
    const std::uint64_t steps = 3 * book.capture.size() + book.apply.size() + book.verify.size() +
                                2 * book.rollback.size();
    const std::uint64_t per_step = 1024 + static_cast<std::uint64_t>(excerpt_bytes) / 2;
    const std::uint64_t per_host = 4096 + steps * per_step;
    constexpr std::uint64_t cap = 64ull << 20;
    return std::min<std::uint64_t>(cap, 64 * 1024 + hosts * per_host);
}

}  // namespace fleetmend
