// PLACEHOLDER until the probe lands.
#include "transports/probe/teredo_probe.hpp"

namespace fleetmend {
std::expected<teredo_probe_result, transport_error> probe_teredo(const std::string&, const teredo_probe_options&) {
    return std::unexpected(transport_error{error_kind::config, "teredo probe not built yet"});
}
}  // namespace fleetmend
