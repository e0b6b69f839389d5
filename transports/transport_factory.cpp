#include "transports/transport.hpp"

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
    if (settings.kind == transport_kind::ssh) return std::make_unique<ssh_transport>(settings);
    return std::make_unique<winrm_transport>(settings);
}

}  // namespace fleetmend
