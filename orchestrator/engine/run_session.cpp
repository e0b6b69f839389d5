#include "orchestrator/engine/run_session.hpp"

#include <filesystem>
#include <system_error>

namespace fleetmend {

std::expected<std::unique_ptr<run_session>, std::string> run_session::open(const std::string& report_dir,
                                                                           const std::string& run_id,
                                                                           progress_style style,
                                                                           std::FILE* progress_out) {
    std::error_code ec;
    std::filesystem::create_directories(report_dir, ec);
    if (ec)
        return std::unexpected("cannot create the report folder " + report_dir + ": " + ec.message() +
                               "; pick another with --report-dir");
    auto lock = run_lock::acquire(report_dir, run_id);
    if (!lock) return std::unexpected(lock.error());
    auto journal = journal_writer::create(fleetmend::journal_path(report_dir, run_id));
    if (!journal) return std::unexpected(journal.error());
    auto progress = std::make_unique<run_progress>(style, progress_out);
    const std::string report_path = (std::filesystem::path(report_dir) / (run_id + ".json")).string();
    return std::unique_ptr<run_session>(
        new run_session(std::move(*lock), std::move(*journal), std::move(progress), report_path));
}

std::expected<std::unique_ptr<run_session>, std::string> run_session::reopen(
    run_lock lock, const std::string& journal_path, const std::vector<run_event>& journal_events,
    progress_style style, std::FILE* progress_out) {
    auto journal = journal_writer::append_to(journal_path);
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
    auto flushed = journal_->flush();
    run_report report = report_.snapshot();
    if (auto written = write_report_file(report, report_path_); !written) return std::unexpected(written.error());
    if (!flushed) return std::unexpected("the journal " + journal_path_ + " is incomplete: " + flushed.error());
    return report;
}

std::expected<void, std::string> run_session::write_interrupted() {
    fan_out_.publish(run_finished{true, std::chrono::system_clock::now()});
    auto flushed = journal_->flush();
    if (auto written = write_report_file(report_.snapshot(), report_path_); !written)
        return std::unexpected(written.error());
    if (!flushed) return std::unexpected("the journal " + journal_path_ + " is incomplete: " + flushed.error());
    return {};
}

}  // namespace fleetmend
