#pragma once
/// A lock on a report folder so two runs cannot work from it at once by
/// accident: flock(2) on "<report-dir>/.fleetmend.lock", which names the
/// holder (pid, run id). The kernel drops the lock when the process dies, so
/// a kill -9 never leaves a stale lock behind. The machines a run changes are
/// locked apart from it (machine_lock.hpp), whatever folder its reports go to.
#include <expected>
#include <string>

namespace fleetmend {

class run_lock {
public:
    /// Takes the lock without waiting; the error names the holder and what to do.
    [[nodiscard]] static std::expected<run_lock, std::string> acquire(const std::string& report_dir,
                                                                      const std::string& run_id);
    run_lock(run_lock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
    run_lock& operator=(run_lock&& other) noexcept;
    run_lock(const run_lock&) = delete;
    run_lock& operator=(const run_lock&) = delete;
    /// Releases the lock (the file stays; its content is stale once unlocked).
    ~run_lock();

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    run_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

}  // namespace fleetmend
