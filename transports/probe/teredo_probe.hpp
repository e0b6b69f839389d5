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

/// Which Router Solicitations each attempt sends. A server answers a cone RS
/// from its second IPv4 address and a restricted RS from the address probed;
/// sending both finds a server even when a firewall on the way drops one kind.
enum class teredo_solicitation { cone_and_restricted, cone, restricted };

struct teredo_probe_options {
    std::chrono::milliseconds timeout_per_attempt{1000};
    int attempts = 3;
    std::uint16_t port = 3544;
    teredo_solicitation solicitation = teredo_solicitation::cone_and_restricted;
};

struct teredo_probe_result {
    bool answered = false;
    std::chrono::microseconds round_trip{0};  // of the answered attempt
    int attempts_used = 0;
    std::string answered_from;  // "192.0.2.222:3544" when answered
    std::string detail;         // human-readable summary for the report
    std::string server_prefix;  // "2001:0:c000:2dd::/64" from the answer, when it carried one
    std::string seen_as;        // our address and port as the server saw them ("192.0.2.10:60042")
    int ignored_packets = 0;    // datagrams that were not a valid answer to our nonces
    /// The host said "ICMP port unreachable" for UDP 3544: nothing listens
    /// there, so the probe stops waiting (a definite no-answer, found fast).
    bool port_closed = false;
    std::string icmp_error;     // other ICMP errors seen, e.g. "host unreachable (from 192.0.2.1)"
};

/// Errors only for what stops the probe from being sent (bad address,
/// socket failure, no route); silence is a result (answered = false), not an
/// error. Blocks for at most attempts x timeout_per_attempt, plus at most
/// one timeout_per_attempt to resolve a host name given instead of an IPv4
/// address. Only an
/// answer that echoes one of this call's random nonces and holds a valid
/// Router Advertisement counts, from whichever address it comes.
[[nodiscard]] std::expected<teredo_probe_result, transport_error> probe_teredo(
    const std::string& ipv4_address, const teredo_probe_options& options);

}  // namespace fleetmend
