#pragma once
/// A TCP connection to a host by name or address, resolution and connect
/// both bounded by one deadline (bounded_resolve.hpp says why resolution
/// needs it). The addresses are tried in the resolver's order; a refused one
/// moves on to the next at once, a silent one uses up the deadline.
#include "transports/net/bounded_resolve.hpp"

namespace fleetmend::net {

struct connect_error {
    enum class stage { resolve, connect } at = stage::connect;
    bool timed_out = false;  // the deadline came first (or the connect was cancelled)
    std::string reason;      // e.g. "Connection refused", "no answer from the DNS server"
};

/// A connected, non-blocking TCP socket (TCP_NODELAY on, close-on-exec).
[[nodiscard]] std::expected<stream_fd, connect_error> tcp_connect_within(const std::string& host, std::uint16_t port,
                                                                         deadline until,
                                                                         const std::atomic<bool>* cancelled = nullptr);

}  // namespace fleetmend::net
