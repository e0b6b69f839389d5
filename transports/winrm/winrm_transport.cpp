// PLACEHOLDER until the winrm transport lands: every call reports a config error.
#include "transports/winrm/winrm_transport.hpp"

namespace fleetmend {

struct winrm_transport::state {
    connection_settings settings;
};

winrm_transport::winrm_transport(connection_settings settings)
    : state_(std::make_unique<state>(state{std::move(settings)})) {}
winrm_transport::~winrm_transport() = default;

std::expected<void, transport_error> winrm_transport::connect(deadline) {
    return std::unexpected(transport_error{error_kind::config, "winrm transport not built yet"});
}
std::expected<exec_result, transport_error> winrm_transport::run(const std::string&, shell_kind, deadline) {
    return std::unexpected(transport_error{error_kind::config, "winrm transport not built yet"});
}
void winrm_transport::close() noexcept {}
transport_stats winrm_transport::stats() const noexcept { return {}; }

}  // namespace fleetmend
