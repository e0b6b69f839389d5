#include "transports/net/tcp_connect.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fleetmend::net {
namespace {

/// One address: connected, refused (errno text) or out of time.
std::expected<stream_fd, connect_error> connect_one(const resolved_address& to, deadline until,
                                                    const std::atomic<bool>* cancelled) {
    stream_fd fd(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!fd.valid()) return std::unexpected(connect_error{connect_error::stage::connect, false, std::strerror(errno)});
    const int one = 1;
    (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd.get(), to.address(), to.length) == 0) return fd;
    if (errno != EINPROGRESS)
        return std::unexpected(connect_error{connect_error::stage::connect, false, std::strerror(errno)});
    for (;;) {
        if (cancelled && cancelled->load())
            return std::unexpected(connect_error{connect_error::stage::connect, true, "cancelled"});
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
        if (left.count() <= 0)
            return std::unexpected(connect_error{connect_error::stage::connect, true, "no answer to the connect"});
        pollfd wait{fd.get(), POLLOUT, 0};
        const int slice = static_cast<int>(std::min<std::chrono::milliseconds>(left, cancel_poll).count());
        const int ready = ::poll(&wait, 1, std::max(slice, 1));
        if (ready < 0 && errno != EINTR)
            return std::unexpected(connect_error{connect_error::stage::connect, false, std::strerror(errno)});
        if (ready <= 0) continue;
        int error = 0;
        socklen_t size = sizeof error;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
        if (error == 0) return fd;
        return std::unexpected(connect_error{connect_error::stage::connect, false, std::strerror(error)});
    }
}

}  // namespace

std::expected<stream_fd, connect_error> tcp_connect_within(const std::string& host, std::uint16_t port,
                                                           deadline until, const std::atomic<bool>* cancelled) {
    auto addresses = resolve_within(host, port, until, {.family = AF_UNSPEC, .socktype = SOCK_STREAM, .cancelled = cancelled});
    if (!addresses)
        return std::unexpected(
            connect_error{connect_error::stage::resolve, addresses.error().timed_out, addresses.error().reason});
    connect_error last{connect_error::stage::connect, false, "no address"};
    for (const auto& to : *addresses) {
        auto connected = connect_one(to, until, cancelled);
        if (connected) return connected;
        last = connected.error();
        if (last.timed_out) break;  // the deadline is spent: no time for the next address
    }
    return std::unexpected(last);
}

}  // namespace fleetmend::net
