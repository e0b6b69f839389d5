#include "transports/transport.hpp"

#include "transports/ssh/jump_registry.hpp"
#include "transports/ssh/ssh_transport.hpp"
#include "transports/winrm/winrm_transport.hpp"

namespace fleetmend {

const char* to_string(error_kind kind) noexcept {
    switch (kind) {
        case error_kind::unreachable: return "unreachable";
        case error_kind::auth: return "auth";
        case error_kind::host_key: return "host_key";
        case error_kind::tls: return "tls";
        case error_kind::timeout: return "timeout";
        case error_kind::protocol: return "protocol";
        case error_kind::remote_fault: return "remote_fault";
        case error_kind::config: return "config";
        case error_kind::cancelled: return "cancelled";
    }
    return "unknown";
}

const char* to_string(shell_kind shell) noexcept {
    switch (shell) {
        case shell_kind::cmd: return "cmd";
        case shell_kind::powershell: return "powershell";
        case shell_kind::sh: return "sh";
    }
    return "unknown";
}

std::unique_ptr<transport> make_transport(const connection_settings& settings) {
    connection_settings s = settings;
    if (!s.jump.empty() && !s.open_stream) s.open_stream = ssh_detail::jump_opener(s.jump);
    if (s.kind == transport_kind::ssh) return std::make_unique<ssh_transport>(std::move(s));
    return std::make_unique<winrm_transport>(std::move(s));
}

unsigned jump_host_logins() noexcept { return ssh_detail::jump_logins(); }

void close_shared_connections() noexcept { ssh_detail::close_jump_sessions(); }

}  // namespace fleetmend
