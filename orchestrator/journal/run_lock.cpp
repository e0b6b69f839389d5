#include "orchestrator/journal/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstdint>
#include <cstring>
#include <string>

namespace fleetmend {

namespace {

/// flock(2) without waiting on `path`, which then names the holder.
std::expected<int, std::string> lock_file(const std::string& path, const std::string& holder_text,
                                          const std::string& busy_advice);

}  // namespace

std::expected<run_lock, std::string> run_lock::acquire(const std::string& report_dir, const std::string& run_id) {
    const std::string path = (report_dir.empty() ? std::string(".") : report_dir) + "/.fleetmend.lock";
    auto fd = lock_file(path, "pid " + std::to_string(::getpid()) + ", run " + run_id,
                        "wait for it to finish, or use a different --report-dir if the runs really target "
                        "different hosts");
    if (!fd) return std::unexpected(fd.error());
    return run_lock(*fd, path);
}

namespace {

std::expected<int, std::string> lock_file(const std::string& path, const std::string& holder_text,
                                          const std::string& busy_advice) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return std::unexpected("cannot open the lock file " + path + ": " + std::strerror(errno) +
                               " (does the report folder exist and is it writable?)");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char holder[256] = {};
        const auto n = ::pread(fd, holder, sizeof holder - 1, 0);
        ::close(fd);
        if (err != EWOULDBLOCK) return std::unexpected("cannot lock " + path + ": " + std::strerror(err));
        std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("an unknown process");
        while (!who.empty() && (who.back() == '\n' || who.back() == '\r')) who.pop_back();
        return std::unexpected("another fleetmend run holds " + path + " (" + who + "); " + busy_advice);
    }
    const std::string holder = holder_text + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, holder.data(), holder.size(), 0) < 0) {
        // The lock still holds; only the holder's name is missing from the file.
    }
    return fd;
}

}  // namespace

run_lock& run_lock::operator=(run_lock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        path_ = std::move(other.path_);
        other.fd_ = -1;
    }
    return *this;
}

run_lock::~run_lock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace fleetmend
