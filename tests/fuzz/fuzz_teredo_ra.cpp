// parse_router_advertisement on any UDP payload (the probe listens to the
// network): with and without an expected nonce.
#include "transports/probe/teredo_packet.hpp"

#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> datagram(data, size);
    (void)fleetmend::teredo::parse_router_advertisement(datagram, std::nullopt);
    const fleetmend::teredo::nonce n{1, 2, 3, 4, 5, 6, 7, 8};
    if (auto ra = fleetmend::teredo::parse_router_advertisement(datagram, n); ra && ra->teredo_server_ipv4)
        (void)fleetmend::teredo::format_ipv4(*ra->teredo_server_ipv4);
    return 0;
}
