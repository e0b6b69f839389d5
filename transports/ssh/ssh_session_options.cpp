#include "transports/ssh/ssh_session_options.hpp"

#include <cstdlib>

namespace fleetmend::ssh_detail {

std::chrono::milliseconds remaining(deadline until) noexcept {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
    return left.count() > 0 ? left : std::chrono::milliseconds{0};
}

void bound_session_by(ssh_session session, deadline until) noexcept {
    const auto left_ms = std::max<long long>(remaining(until).count(), 1);
    long seconds = static_cast<long>(left_ms / 1000);
    long micros = static_cast<long>((left_ms % 1000) * 1000);
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds);
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &micros);
}

std::string expand_home(const std::string& path) {
    if (path == "~" || path.starts_with("~/")) {
        const char* home = std::getenv("HOME");
        if (home != nullptr && *home != '\0') return std::string(home) + path.substr(1);
    }
    return path;
}

std::string libssh_error(ssh_session session) {
    const char* text = ssh_get_error(session);
    return text != nullptr && *text != '\0' ? text : "no detail from libssh";
}

}  // namespace fleetmend::ssh_detail
