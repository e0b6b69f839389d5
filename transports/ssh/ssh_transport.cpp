// PLACEHOLDER until the ssh transport lands: every call reports a config error.
#include "transports/ssh/ssh_transport.hpp"

namespace fleetmend {

struct ssh_transport::state {
    connection_settings settings;
};

ssh_transport::ssh_transport(connection_settings settings)
    : state_(std::make_unique<state>(state{std::move(settings)})) {}
ssh_transport::~ssh_transport() = default;

std::expected<void, transport_error> ssh_transport::connect(deadline) {
    return std::unexpected(transport_error{error_kind::config, "ssh transport not built yet"});
}
std::expected<exec_result, transport_error> ssh_transport::run(const std::string&, shell_kind, deadline) {
    return std::unexpected(transport_error{error_kind::config, "ssh transport not built yet"});
}
void ssh_transport::close() noexcept {}
transport_stats ssh_transport::stats() const noexcept { return {}; }

}  // namespace fleetmend
