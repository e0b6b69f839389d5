#include "orchestrator/config/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleetmend {
namespace {

std::string size_text(std::uint64_t bytes) {
    if (bytes >= (1ull << 30)) return std::to_string(bytes >> 30) + " GiB";
    if (bytes >= (1ull << 20)) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= (1ull << 10)) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

struct fd_owner {
    int fd = -1;
    ~fd_owner() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::expected<std::string, std::string> read_bounded_file(const std::string& path, std::uint64_t max_bytes,
                                                          const char* what) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; checked below.
    fd_owner file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
    if (file.fd < 0)
        return std::unexpected(path + ": cannot open the " + what + ": " + std::strerror(errno) +
                               " (check the path and permissions)");
    struct stat info {};
    if (::fstat(file.fd, &info) != 0)
        return std::unexpected(path + ": cannot stat the " + what + ": " + std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        return std::unexpected(path + ": the " + std::string(what) + " is not a regular file");
    if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
        return std::unexpected(path + ": the " + std::string(what) + " is " +
                               size_text(static_cast<std::uint64_t>(info.st_size)) + ", more than the " +
                               size_text(max_bytes) + " one may be");
    std::string data;
    data.resize(static_cast<std::size_t>(info.st_size));
    std::size_t have = 0;
    while (true) {
        if (have == data.size()) {
            // A file still growing stops at the limit, not at the memory's end.
            if (data.size() >= max_bytes) break;
            data.resize(std::min<std::uint64_t>(max_bytes, data.size() + 65536));
        }
        const auto n = ::read(file.fd, data.data() + have, data.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(path + ": cannot read the " + std::string(what) + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    data.resize(have);
    return data;
}

}  // namespace fleetmend
