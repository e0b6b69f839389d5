#pragma once
/// Name resolution that ends at a deadline. getaddrinfo has no timeout of its
/// own: the resolver's, from resolv.conf, is timeout x attempts per name
/// server and can run to minutes, and asio's resolver runs it on a thread its
/// cancel() cannot interrupt (destroying the io_context then waits for the
/// lookup). A host whose DNS server never answers must still end unreachable
/// at its connect deadline, so here a name is looked up on a detached thread
/// that owns its result, and the caller waits only until its deadline.
#include "transports/transport.hpp"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace fleetmend::net {

struct resolved_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = 0;
    int socktype = 0;
    int protocol = 0;
    [[nodiscard]] const sockaddr* address() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    /// "192.0.2.7:22", "[2001:db8::7]:5986"
    [[nodiscard]] std::string text() const;
};

struct resolve_error {
    bool timed_out = false;  // the deadline came first (or the lookup was cancelled)
    std::string reason;      // e.g. "Name or service not known"
};

/// How often a bounded wait here looks at its cancel flag.
inline constexpr std::chrono::milliseconds cancel_poll{100};

struct resolve_request {
    int family = AF_UNSPEC;
    int socktype = SOCK_STREAM;
    /// Checked every cancel_poll while waiting: set, the wait ends as timed out.
    const std::atomic<bool>* cancelled = nullptr;
};

/// The addresses of `host` (a name or a literal address) for `port`, in the
/// resolver's order. A literal address needs no lookup and no thread.
[[nodiscard]] std::expected<std::vector<resolved_address>, resolve_error> resolve_within(
    const std::string& host, std::uint16_t port, deadline until, const resolve_request& request = {});

}  // namespace fleetmend::net
