#include "orchestrator/journal/machine_lock.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

namespace fleetmend {
namespace {

/// FNV-1a: the same machine gives the same byte in every fleetmend build.
std::uint64_t key_hash(const std::string& key) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const unsigned char c : key) hash = (hash ^ c) * 1099511628211ull;
    return hash;
}

/// The byte a machine's lock covers (off_t is signed: 62 bits).
off_t key_offset(const std::string& key) { return static_cast<off_t>(key_hash(key) >> 2); }

bool lock_range(int fd, off_t start, off_t length, short type) {
    struct flock range {};
    range.l_type = type;
    range.l_whence = SEEK_SET;
    range.l_start = start;
    range.l_len = length;
    return ::fcntl(fd, F_OFD_SETLK, &range) == 0;
}

bool range_is_locked(int fd, off_t start, off_t length) {
    struct flock range {};
    range.l_type = F_WRLCK;
    range.l_whence = SEEK_SET;
    range.l_start = start;
    range.l_len = length;
    return ::fcntl(fd, F_OFD_GETLK, &range) == 0 && range.l_type != F_UNLCK;
}

/// The live holder whose file lists `key`, other than our own file `own` (a
/// holder file whose run is gone is not locked any more: it is removed on the way).
std::string holder_of(const std::filesystem::path& holders, const std::string& key, const std::string& own) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(holders, ec)) {
        if (entry.path() == own) continue;
        const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        const bool live = range_is_locked(fd, 0, 0);
        ::close(fd);
        if (!live) {
            std::filesystem::remove(entry.path(), ec);
            continue;
        }
        std::ifstream in(entry.path());
        std::string description, line;
        std::getline(in, description);
        while (std::getline(in, line))
            if (line == key) return description;
    }
    return "a run that has not recorded its name yet";
}

}  // namespace

std::string machine_key(const std::string& address, unsigned port) {
    std::string host = address;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned char binary[16];
    char text[INET6_ADDRSTRLEN] = {};
    if (::inet_pton(AF_INET, host.c_str(), binary) == 1 && ::inet_ntop(AF_INET, binary, text, sizeof text)) {
        host = text;
    } else if (::inet_pton(AF_INET6, host.c_str(), binary) == 1 && ::inet_ntop(AF_INET6, binary, text, sizeof text)) {
        host = std::string("[") + text + "]";
    } else {
        std::transform(host.begin(), host.end(), host.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        while (!host.empty() && host.back() == '.') host.pop_back();
    }
    return host + ":" + std::to_string(port);
}

std::expected<std::string, std::string> user_lock_folder() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    const std::string folder = runtime && *runtime ? std::string(runtime) + "/fleetmend-locks"
                                                   : "/tmp/fleetmend-" + std::to_string(::getuid()) + "-locks";
    // 0700: other users must not be able to hold our locks (or read their holders).
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
        return std::unexpected("cannot create the lock folder " + folder + ": " + std::strerror(errno));
    struct stat info {};
    if (::lstat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::getuid())
        return std::unexpected("the lock folder " + folder + " is not a folder owned by this user; remove it");
    return folder;
}

std::expected<machine_locks, std::string> machine_locks::acquire(const std::vector<std::string>& machines,
                                                                 const std::string& run_id,
                                                                 const std::string& holder) {
    auto folder = user_lock_folder();
    if (!folder) return std::unexpected(folder.error());
    const std::filesystem::path holders = std::filesystem::path(*folder) / "holders";
    if (::mkdir(holders.c_str(), 0700) != 0 && errno != EEXIST)
        return std::unexpected("cannot create the lock folder " + holders.string() + ": " + std::strerror(errno));

    // Who we are goes on disk (and is locked) before any machine is taken,
    // so a run refused by one of ours can always name us.
    std::string safe_id = run_id;
    for (char& c : safe_id)
        if (c == '/' || c == '\0') c = '_';
    const std::string holder_path = (holders / (std::to_string(::getpid()) + "-" + safe_id)).string();
    const int holder_fd = ::open(holder_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (holder_fd < 0) return std::unexpected("cannot create the lock holder file " + holder_path + ": " + std::strerror(errno));
    machine_locks owned(-1, holder_fd, holder_path);
    if (!lock_range(holder_fd, 0, 0, F_WRLCK))
        return std::unexpected("cannot lock " + holder_path + ": " + std::strerror(errno));
    std::set<std::string> unique(machines.begin(), machines.end());
    std::string text = holder + "\n";
    for (const auto& key : unique) text += key + "\n";
    if (::write(holder_fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return std::unexpected("cannot write the lock holder file " + holder_path + ": " + std::strerror(errno));

    const std::string locks_path = *folder + "/machines.lock";
    owned.locks_fd_ = ::open(locks_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (owned.locks_fd_ < 0)
        return std::unexpected("cannot open the lock file " + locks_path + ": " + std::strerror(errno));
    for (const auto& key : unique) {
        if (lock_range(owned.locks_fd_, key_offset(key), 1, F_WRLCK)) continue;
        if (errno != EAGAIN && errno != EACCES)
            return std::unexpected("cannot lock " + key + " in " + locks_path + ": " + std::strerror(errno));
        return std::unexpected("another fleetmend run holds " + key + " (" + holder_of(holders, key, holder_path) +
                               "); it changes the same machine: wait for it to finish");
    }
    return owned;
}

machine_locks::machine_locks(machine_locks&& other) noexcept
    : locks_fd_(std::exchange(other.locks_fd_, -1)), holder_fd_(std::exchange(other.holder_fd_, -1)),
      holder_path_(std::move(other.holder_path_)) {}

machine_locks& machine_locks::operator=(machine_locks&& other) noexcept {
    if (this != &other) {
        release();
        locks_fd_ = std::exchange(other.locks_fd_, -1);
        holder_fd_ = std::exchange(other.holder_fd_, -1);
        holder_path_ = std::move(other.holder_path_);
    }
    return *this;
}

machine_locks::~machine_locks() { release(); }

void machine_locks::release() noexcept {
    if (locks_fd_ >= 0) ::close(locks_fd_);  // closing the description releases its locks
    if (holder_fd_ >= 0) {
        ::unlink(holder_path_.c_str());
        ::close(holder_fd_);
    }
    locks_fd_ = holder_fd_ = -1;
}

}  // namespace fleetmend
