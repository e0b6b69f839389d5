#pragma once
/// The network-level check: sends an RFC 4380 Router Solicitation to UDP 3544
/// of a host's IPv4 address from the workstation and says whether a Teredo
/// server answered with a valid Router Advertisement.
#include "transports/transport.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>

namespace fleetmend {

struct teredo_probe_options {
    std::chrono::milliseconds timeout_per_attempt{1000};
    int attempts = 3;
    std::uint16_t port = 3544;
};

struct teredo_probe_result {
    bool answered = false;
    std::chrono::microseconds round_trip{0};  // of the answered attempt
    int attempts_used = 0;
    std::string answered_from;  // "192.0.2.222:3544" when answered
    std::string detail;         // human-readable summary for the report
};

/// Errors only for what stops the probe from being sent (bad address,
/// socket failure); silence is a result (answered = false), not an error.
[[nodiscard]] std::expected<teredo_probe_result, transport_error> probe_teredo(
    const std::string& ipv4_address, const teredo_probe_options& options);

}  // namespace fleetmend
