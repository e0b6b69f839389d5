#include "orchestrator/journal/journal.hpp"

#include "orchestrator/config/file_write.hpp"
#include "orchestrator/report/host_lifecycle.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fleetmend {
namespace {

/// The record this thread published last, so after_event (called by the same
/// thread right after on_event) knows which sequence number to wait for.
struct last_record {
    const void* writer = nullptr;
    std::uint64_t seq = 0;
    bool urgent = false;
};
thread_local last_record this_thread_last;

/// Records that must be on disk before the next remote action: the run's
/// start and end, and the start of a step that changes a host (apply,
/// rollback), so a resume knows such a step may have run. A read (capture,
/// verify) that a crash leaves unrecorded is simply done again by resume;
/// the records before a change reach the disk with it, in order.
bool must_be_durable(const run_event& event) {
    if (const auto* step = std::get_if<step_started>(&event))
        return step->in_phase == phase::apply || step->in_phase == phase::rollback;
    if (const auto* transition = std::get_if<host_transition>(&event)) return phase_changes_host(transition->to);
    return std::holds_alternative<run_started>(event) || std::holds_alternative<run_finished>(event);
}

void sync_folder_of(const std::string& path) {
    const auto folder = std::filesystem::path(path).parent_path();
    const int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

/// Claims `bytes` past the journal's end (its size stays: FALLOC_FL_KEEP_SIZE)
/// so a disk that cannot hold the run's records is found before any host
/// changes, and a disk filling up meanwhile cannot take them. A filesystem
/// without fallocate is not an error: the run goes on unreserved.
std::expected<void, std::string> reserve_space(int fd, const std::string& path, std::uint64_t bytes) {
    if (bytes == 0) return {};
    struct stat info {};
    if (::fstat(fd, &info) != 0) return std::unexpected("cannot stat the journal " + path + ": " + errno_text());
    if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, info.st_size, static_cast<off_t>(bytes)) == 0) return {};
    if (errno == EOPNOTSUPP || errno == ENOSYS) {
        spdlog::debug("journal {}: the filesystem cannot reserve space ({}); going on unreserved", path,
                      errno_text());
        return {};
    }
    return std::unexpected("cannot reserve " + std::to_string(bytes / 1024) + " KiB for the journal " + path + ": " +
                           errno_text() + " (free space in the report folder or pick another with --report-dir; "
                           "no host was changed)");
}

}  // namespace

std::expected<std::unique_ptr<journal_writer>, std::string> journal_writer::create(const std::string& path,
                                                                                   options opts) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        return std::unexpected("cannot create the journal " + path + ": " + errno_text() +
                               (errno == EEXIST ? " (a run with this id already wrote one; use a new run id)"
                                                : " (does the report folder exist and is it writable?)"));
    }
    // The file's name must survive a crash too, not only its contents.
    sync_folder_of(path);
    if (auto reserved = reserve_space(fd, path, opts.reserve_bytes); !reserved) {
        ::close(fd);
        ::unlink(path.c_str());  // nothing was recorded: no journal to resume from
        return std::unexpected(reserved.error());
    }
    return std::unique_ptr<journal_writer>(new journal_writer(fd, path, opts));
}

std::expected<std::unique_ptr<journal_writer>, std::string> journal_writer::append_to(const std::string& path,
                                                                                      options opts) {
    auto contents = read_journal(path);
    if (!contents) return std::unexpected(contents.error());
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return std::unexpected("cannot open the journal " + path + " to continue it: " + errno_text());
    if (contents->torn_tail) {
        if (::ftruncate(fd, static_cast<off_t>(contents->valid_bytes)) != 0 || ::fdatasync(fd) != 0) {
            const auto reason = errno_text();
            ::close(fd);
            return std::unexpected("cannot cut the torn last record off " + path + ": " + reason);
        }
        spdlog::warn("journal {}: ignored a torn last record ({} bytes) left by a crash", path, contents->torn_bytes);
    }
    if (auto reserved = reserve_space(fd, path, opts.reserve_bytes); !reserved) {
        ::close(fd);
        return std::unexpected(reserved.error());
    }
    return std::unique_ptr<journal_writer>(new journal_writer(fd, path, opts));
}

journal_writer::journal_writer(int fd, std::string path, options opts)
    : fd_(fd), path_(std::move(path)), options_(opts), flusher_([this] { flusher_loop(); }) {}

journal_writer::~journal_writer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    flusher_.join();
    release_reserve();
    ::close(fd_);
}

void journal_writer::release_reserve() noexcept {
    // Truncating to the file's own size frees the blocks reserved past it.
    struct stat info {};
    if (options_.reserve_bytes > 0 && ::fstat(fd_, &info) == 0) [[maybe_unused]] auto ignored = ::ftruncate(fd_, info.st_size);
}

void journal_writer::on_event(const run_event& event) {
    // Serialize outside our own lock; the base class already serializes on_event.
    auto line = journal_record(event);
    const bool urgent = must_be_durable(event);
    std::uint64_t seq;
    {
        std::lock_guard lock(mutex_);
        pending_ += line;
        seq = ++published_seq_;
        ++stats_.records;
        if (urgent) urgent_ = true;
    }
    if (urgent) work_ready_.notify_one();
    this_thread_last = {this, seq, urgent};
}

void journal_writer::after_event(const run_event&) {
    const auto last = this_thread_last;
    if (last.writer == this && last.urgent) wait_durable(last.seq);
}

void journal_writer::wait_durable(std::uint64_t seq) {
    std::unique_lock lock(mutex_);
    durable_.wait(lock, [&] { return durable_seq_ >= seq || error_.has_value(); });
}

std::expected<void, std::string> journal_writer::flush() {
    std::uint64_t seq;
    {
        std::lock_guard lock(mutex_);
        seq = published_seq_;
        urgent_ = true;
    }
    work_ready_.notify_one();
    wait_durable(seq);
    return health();
}

std::expected<void, std::string> journal_writer::health() const {
    std::lock_guard lock(mutex_);
    if (error_) return std::unexpected(*error_);
    return {};
}

journal_stats journal_writer::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void journal_writer::flusher_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_ready_.wait_for(lock, options_.max_delay, [&] { return stopping_ || urgent_; });
        if (pending_.empty()) {
            urgent_ = false;
            if (stopping_) return;
            continue;
        }
        std::string batch;
        batch.swap(pending_);
        const auto seq = published_seq_;
        urgent_ = false;
        const bool failed_before = error_.has_value();
        lock.unlock();

        std::optional<std::string> failure;
        if (!failed_before) {
            if (!write_all(fd_, batch))
                failure = "cannot write the journal " + path_ + ": " + errno_text();
            else if (::fdatasync(fd_) != 0)
                failure = "cannot sync the journal " + path_ + " to disk: " + errno_text();
            else if (struct stat info {}; ::fstat(fd_, &info) == 0 && info.st_nlink == 0)
                // Written and synced, but into a file no path leads to any more:
                // nothing a resume or `report --from-journal` could ever read.
                failure = "the journal " + path_ + " was removed while the run wrote it (its file or folder was "
                          "deleted)";
        }

        lock.lock();
        if (!failed_before) ++stats_.syncs;
        if (failure && !error_) {
            error_ = *failure;
            spdlog::error("{} (the run must stop: it can no longer record what it does)", *failure);
        }
        durable_seq_ = seq;
        durable_.notify_all();
    }
}

}  // namespace fleetmend
