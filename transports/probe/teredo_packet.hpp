#pragma once
/// RFC 4380 qualification packets, built and parsed without I/O: the Router
/// Solicitation a Teredo client sends to UDP 3544 and the Router
/// Advertisement a Teredo server answers with. Parsing treats every byte as
/// hostile: each length is checked before it is read.
#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>

namespace fleetmend::teredo {

using nonce = std::array<std::uint8_t, 8>;
using ipv6_address = std::array<std::uint8_t, 16>;

/// The link-local source a client puts in its RS. A server answers a cone RS
/// from its second IPv4 address (to test the NAT), a restricted one from the
/// address it was sent to.
enum class rs_source { cone, restricted };

inline constexpr std::size_t rs_packet_size = 61;
inline constexpr std::uint8_t icmpv6_router_solicitation = 133;
inline constexpr std::uint8_t icmpv6_router_advertisement = 134;

/// fe80::8000:5445:5245:444f ("TEREDO" with the cone bit) or fe80::ffff:ffff:ffff.
[[nodiscard]] ipv6_address rs_source_address(rs_source source) noexcept;
/// ff02::2, all routers.
[[nodiscard]] ipv6_address all_routers_address() noexcept;

/// The ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 8.1) and the
/// ICMPv6 message, with the message's own checksum field taken as written:
/// a message whose field is correct sums to 0.
[[nodiscard]] std::uint16_t icmpv6_checksum(const ipv6_address& source, const ipv6_address& destination,
                                            std::span<const std::uint8_t> icmpv6_message) noexcept;

/// The 61-byte probe: authentication header carrying `n` (so the answer can
/// be matched to it), IPv6 header, ICMPv6 Router Solicitation.
[[nodiscard]] std::array<std::uint8_t, rs_packet_size> build_router_solicitation(const nonce& n,
                                                                                  rs_source source) noexcept;

/// The client's public mapping as the server saw it (origin indication).
struct origin_indication {
    std::uint16_t port = 0;
    std::array<std::uint8_t, 4> ipv4{};
};

/// What a valid answer told us.
struct router_advertisement {
    std::optional<nonce> echoed_nonce;     // from the authentication header, when present
    std::optional<origin_indication> origin;
    ipv6_address source{};                 // the server's link-local address
    ipv6_address destination{};
    std::uint16_t router_lifetime_s = 0;
    /// The IPv4 address inside a 2001:0:<ipv4>::/64 prefix option, if any.
    std::optional<std::array<std::uint8_t, 4>> teredo_server_ipv4;
    std::optional<std::uint32_t> mtu;
};

/// Parses a UDP payload received from a Teredo server. With `expected_nonce`
/// set, an answer without an authentication header or with another nonce is
/// rejected (it answers someone else's probe, or is forged). The error text
/// says what was wrong, for logs; it never echoes packet bytes.
[[nodiscard]] std::expected<router_advertisement, std::string> parse_router_advertisement(
    std::span<const std::uint8_t> datagram, const std::optional<nonce>& expected_nonce);

/// "a.b.c.d" for an IPv4 address in network order.
[[nodiscard]] std::string format_ipv4(const std::array<std::uint8_t, 4>& address);

}  // namespace fleetmend::teredo
