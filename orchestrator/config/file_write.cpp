#include "orchestrator/config/file_write.hpp"

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace fleetmend {

bool write_all(int fd, std::string_view text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const auto n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace fleetmend
