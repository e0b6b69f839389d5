#include "transports/probe/teredo_probe.hpp"

#include "transports/net/duration_text.hpp"
#include "transports/net/bounded_resolve.hpp"

#include "transports/probe/teredo_packet.hpp"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace fleetmend {
namespace {

using probe_clock = std::chrono::steady_clock;

/// Owns one socket descriptor; closes it on every path out of the probe.
class udp_socket {
public:
    udp_socket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
    ~udp_socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    udp_socket(const udp_socket&) = delete;
    udp_socket& operator=(const udp_socket&) = delete;
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    [[nodiscard]] int fd() const noexcept { return fd_; }

private:
    int fd_;
};

std::string errno_text(int error) { return std::strerror(error); }

std::string format_endpoint(const sockaddr_in& address) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
}

/// A literal IPv4 address is used as is; a name goes through the system
/// resolver (IPv4 only: Teredo is IPv6 over IPv4), bounded by `until`.
std::expected<sockaddr_in, transport_error> resolve_ipv4(const std::string& host, std::uint16_t port, deadline until) {
    if (host.empty())
        return std::unexpected(transport_error{error_kind::config,
                                               "teredo probe: the host has no address; set `address` in the inventory"});
    auto found = net::resolve_within(host, port, until, {.family = AF_INET, .socktype = SOCK_DGRAM});
    if (!found)
        return std::unexpected(transport_error{
            error_kind::unreachable, "teredo probe: cannot resolve '" + host + "' to an IPv4 address (" +
                                         found.error().reason + "); set its IPv4 `address` in the inventory"});
    sockaddr_in target{};
    std::memcpy(&target, found->front().address(), sizeof target);
    return target;
}

teredo::nonce random_nonce() {
    teredo::nonce n{};
    std::size_t filled = 0;
    while (filled < n.size()) {
        const auto got = ::getrandom(n.data() + filled, n.size() - filled, 0);
        if (got > 0) filled += static_cast<std::size_t>(got);
        else if (errno != EINTR) break;  // cannot happen on Linux >= 3.17; a weak nonce still works
    }
    return n;
}

struct sent_probe {
    teredo::nonce nonce;
    probe_clock::time_point sent_at;
    int attempt;
};

std::vector<teredo::rs_source> sources_for(teredo_solicitation solicitation) {
    switch (solicitation) {
        case teredo_solicitation::cone: return {teredo::rs_source::cone};
        case teredo_solicitation::restricted: return {teredo::rs_source::restricted};
        case teredo_solicitation::cone_and_restricted: break;
    }
    return {teredo::rs_source::cone, teredo::rs_source::restricted};
}

std::string format_milliseconds(std::chrono::microseconds rtt) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(rtt.count()) / 1000.0);
    return text;
}

/// Fills `result` from a datagram when it answers one of `sent`; false otherwise.
bool accept_answer(std::span<const std::uint8_t> datagram, const sockaddr_in& from, const std::vector<sent_probe>& sent,
                   probe_clock::time_point received_at, teredo_probe_result& result) {
    auto ra = teredo::parse_router_advertisement(datagram, std::nullopt);
    if (!ra || !ra->echoed_nonce) return false;
    for (const auto& probe : sent) {
        if (probe.nonce != *ra->echoed_nonce) continue;
        result.answered = true;
        result.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(received_at - probe.sent_at);
        result.attempts_used = probe.attempt;
        result.answered_from = format_endpoint(from);
        if (ra->teredo_server_ipv4) {
            const auto& v4 = *ra->teredo_server_ipv4;
            char prefix[48];
            std::snprintf(prefix, sizeof prefix, "2001:0:%x:%x::/64", (v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
            result.server_prefix = prefix;
        }
        if (ra->origin) result.seen_as = teredo::format_ipv4(ra->origin->ipv4) + ":" + std::to_string(ra->origin->port);
        return true;
    }
    return false;
}

/// Drains one ICMP error the kernel queued for our socket (IP_RECVERR).
/// Port unreachable from the probed address means nothing listens there.
void read_icmp_error(int fd, const sockaddr_in& target, teredo_probe_result& result) {
    std::array<std::uint8_t, 512> payload{};
    std::array<char, 512> control{};
    sockaddr_in destination{};
    iovec io{payload.data(), payload.size()};
    msghdr message{};
    message.msg_name = &destination;
    message.msg_namelen = sizeof destination;
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    if (::recvmsg(fd, &message, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_IP || c->cmsg_type != IP_RECVERR) continue;
        sock_extended_err error{};
        std::memcpy(&error, CMSG_DATA(c), sizeof error);
        if (error.ee_origin != SO_EE_ORIGIN_ICMP) continue;
        constexpr std::uint8_t destination_unreachable = 3, port_unreachable = 3;
        const bool about_target = destination.sin_addr.s_addr == target.sin_addr.s_addr &&
                                  destination.sin_port == target.sin_port;
        if (error.ee_type == destination_unreachable && error.ee_code == port_unreachable && about_target) {
            result.port_closed = true;
            continue;
        }
        sockaddr_in offender{};
        std::memcpy(&offender, SO_EE_OFFENDER(reinterpret_cast<sock_extended_err*>(CMSG_DATA(c))), sizeof offender);
        char from[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &offender.sin_addr, from, sizeof from);
        result.icmp_error = "ICMP type " + std::to_string(error.ee_type) + " code " + std::to_string(error.ee_code) +
                            " (" + errno_text(static_cast<int>(error.ee_errno)) + ") from " + from;
    }
}

std::string describe(const teredo_probe_result& result, const std::string& target, const teredo_probe_options& options) {
    std::string text;
    if (result.answered) {
        text = "Teredo server answered from " + result.answered_from + " in " + format_milliseconds(result.round_trip) +
               " (attempt " + std::to_string(result.attempts_used) + " of " + std::to_string(options.attempts) + ")";
        if (!result.server_prefix.empty()) text += ", prefix " + result.server_prefix;
        if (!result.seen_as.empty()) text += ", saw us as " + result.seen_as;
    } else if (result.port_closed) {
        text = "no Teredo server: " + target + " answered ICMP port unreachable (nothing listens on that UDP port)";
    } else {
        text = "no Teredo answer from " + target + " after " + std::to_string(result.attempts_used) + " attempts of " +
               net::duration_text(options.timeout_per_attempt);
    }
    if (result.ignored_packets > 0)
        text += "; ignored " + std::to_string(result.ignored_packets) + " datagrams that did not answer our probe";
    if (!result.answered && !result.icmp_error.empty()) text += "; the network said: " + result.icmp_error;
    return text;
}

/// One probe's traffic on one socket: the solicitations sent so far (an
/// answer to any of them counts, however late) and what came back.
class probe_exchange {
public:
    probe_exchange(int fd, const sockaddr_in& target, std::string target_text)
        : fd_(fd), target_(target), target_text_(std::move(target_text)) {}

    /// Answered, or the host said nothing listens: no need to go on.
    [[nodiscard]] bool settled() const noexcept { return result_.answered || result_.port_closed; }

    /// Sends this attempt's solicitations; an error only when one cannot leave.
    [[nodiscard]] std::expected<void, transport_error> send_attempt(int attempt, teredo_solicitation solicitation) {
        result_.attempts_used = attempt;
        for (const auto source : sources_for(solicitation)) {
            sent_probe probe{random_nonce(), {}, attempt};
            const auto packet = teredo::build_router_solicitation(probe.nonce, source);
            probe.sent_at = probe_clock::now();
            const auto written = ::sendto(fd_, packet.data(), packet.size(), 0,
                                          reinterpret_cast<const sockaddr*>(&target_), sizeof target_);
            if (written < 0 && errno == ECONNREFUSED) {
                // The ICMP port unreachable of an earlier datagram, reported on this call.
                read_icmp_error(fd_, target_, result_);
                result_.port_closed = true;
                return {};
            }
            if (written < 0) {
                const int error = errno;
                const auto kind = (error == ENETUNREACH || error == EHOSTUNREACH || error == EADDRNOTAVAIL)
                                      ? error_kind::unreachable
                                      : error_kind::protocol;
                return std::unexpected(transport_error{
                    kind, "teredo probe: cannot send to " + target_text_ + ": " + errno_text(error) +
                              "; check the route from this workstation to the host"});
            }
            sent_.push_back(probe);
        }
        return {};
    }

    /// Reads datagrams and ICMP errors until settled or `until`.
    void wait_until(probe_clock::time_point until) {
        while (!settled()) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - probe_clock::now());
            if (left.count() <= 0) return;
            pollfd waiting{fd_, POLLIN, 0};
            const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) return;
            if (waiting.revents & POLLERR) {
                read_icmp_error(fd_, target_, result_);
                continue;
            }
            read_datagram();
        }
    }

    [[nodiscard]] teredo_probe_result take_result() { return std::move(result_); }

private:
    void read_datagram() {
        sockaddr_in from{};
        socklen_t from_size = sizeof from;
        const auto got = ::recvfrom(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                                    reinterpret_cast<sockaddr*>(&from), &from_size);
        const auto received_at = probe_clock::now();
        if (got < 0) return;  // e.g. a pending ICMP error reported here: not an answer
        if (!accept_answer(std::span(buffer_.data(), static_cast<std::size_t>(got)), from, sent_, received_at, result_))
            ++result_.ignored_packets;
    }

    int fd_;
    sockaddr_in target_;
    std::string target_text_;
    std::vector<sent_probe> sent_;
    teredo_probe_result result_;
    std::array<std::uint8_t, 2048> buffer_{};
};

}  // namespace

std::expected<teredo_probe_result, transport_error> probe_teredo(const std::string& ipv4_address,
                                                                 const teredo_probe_options& options) {
    if (options.attempts < 1 || options.timeout_per_attempt.count() <= 0 || options.port == 0)
        return std::unexpected(transport_error{
            error_kind::config, "teredo probe: attempts, timeout and port must be positive"});
    // The name gets the time of one attempt: the probe's own deadline starts after it.
    auto target = resolve_ipv4(ipv4_address, options.port, clock_type::now() + options.timeout_per_attempt);
    if (!target) return std::unexpected(target.error());
    const std::string target_text = format_endpoint(*target);

    // Unconnected on purpose: a server answers a cone RS from its second
    // address, which a connected socket would filter out.
    udp_socket socket;
    if (!socket.valid())
        return std::unexpected(transport_error{error_kind::config, "teredo probe: cannot open a UDP socket: " +
                                                                       errno_text(errno)});

    // ICMP errors (port unreachable) arrive on the error queue of an
    // unconnected socket only when asked for.
    const int enable = 1;
    ::setsockopt(socket.fd(), SOL_IP, IP_RECVERR, &enable, sizeof enable);

    probe_exchange exchange(socket.fd(), *target, target_text);
    for (int attempt = 1; attempt <= options.attempts && !exchange.settled(); ++attempt) {
        if (auto sent = exchange.send_attempt(attempt, options.solicitation); !sent)
            return std::unexpected(sent.error());
        exchange.wait_until(probe_clock::now() + options.timeout_per_attempt);
    }
    auto result = exchange.take_result();
    result.detail = describe(result, target_text, options);
    return result;
}

}  // namespace fleetmend
