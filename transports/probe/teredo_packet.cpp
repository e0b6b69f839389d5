#include "transports/probe/teredo_packet.hpp"

#include <algorithm>
#include <cstdio>

namespace fleetmend::teredo {
namespace {

constexpr std::size_t auth_fixed_size = 4;   // indicator, id length, auth length
constexpr std::size_t nonce_size = 8;
constexpr std::size_t origin_size = 8;       // indicator, port, IPv4
constexpr std::size_t ipv6_header_size = 40;
constexpr std::size_t ra_fixed_size = 16;    // type, code, checksum, hop, flags, lifetime, timers
constexpr std::uint8_t next_header_icmpv6 = 58;
constexpr std::uint8_t option_prefix_information = 3;
constexpr std::uint8_t option_mtu = 5;

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

std::uint32_t read_u32(std::span<const std::uint8_t> bytes, std::size_t at) noexcept {
    return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) |
           (std::uint32_t{bytes[at + 2]} << 8) | std::uint32_t{bytes[at + 3]};
}

/// One's-complement running sum of big-endian 16-bit words (RFC 1071).
struct ones_complement_sum {
    std::uint32_t sum = 0;
    void add(std::span<const std::uint8_t> bytes) noexcept {
        std::size_t i = 0;
        for (; i + 1 < bytes.size(); i += 2) sum += read_u16(bytes, i);
        if (i < bytes.size()) sum += std::uint32_t{bytes[i]} << 8;  // odd length: pad with zero
    }
    [[nodiscard]] std::uint16_t folded_complement() const noexcept {
        std::uint32_t s = sum;
        while (s >> 16) s = (s & 0xffff) + (s >> 16);
        return static_cast<std::uint16_t>(~s & 0xffff);
    }
};

}  // namespace

ipv6_address rs_source_address(rs_source source) noexcept {
    if (source == rs_source::cone)
        return {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x54, 0x45, 0x52, 0x45, 0x44, 0x4f};
    return {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
}

ipv6_address all_routers_address() noexcept {
    return {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
}

std::uint16_t icmpv6_checksum(const ipv6_address& source, const ipv6_address& destination,
                              std::span<const std::uint8_t> icmpv6_message) noexcept {
    ones_complement_sum s;
    s.add(source);
    s.add(destination);
    const auto length = static_cast<std::uint32_t>(icmpv6_message.size());
    const std::array<std::uint8_t, 8> tail{static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
                                           static_cast<std::uint8_t>(length >> 8),  static_cast<std::uint8_t>(length),
                                           0, 0, 0, next_header_icmpv6};
    s.add(tail);
    s.add(icmpv6_message);
    return s.folded_complement();
}

std::array<std::uint8_t, rs_packet_size> build_router_solicitation(const nonce& n, rs_source source) noexcept {
    std::array<std::uint8_t, rs_packet_size> packet{};
    auto* out = packet.data();
    // Authentication header with empty client id and value: only the nonce matters.
    *out++ = 0x00; *out++ = 0x01; *out++ = 0x00; *out++ = 0x00;
    out = std::copy(n.begin(), n.end(), out);
    *out++ = 0x00;  // confirmation byte
    // IPv6 header: version 6, payload 8 bytes, next header ICMPv6, hop limit 255.
    constexpr std::array<std::uint8_t, 8> ipv6_fixed{0x60, 0, 0, 0, 0, 8, next_header_icmpv6, 255};
    out = std::copy(ipv6_fixed.begin(), ipv6_fixed.end(), out);
    const auto src = rs_source_address(source);
    const auto dst = all_routers_address();
    out = std::copy(src.begin(), src.end(), out);
    out = std::copy(dst.begin(), dst.end(), out);
    // ICMPv6 Router Solicitation: type, code, checksum, 4 reserved bytes.
    std::span<std::uint8_t> icmp(out, 8);
    icmp[0] = icmpv6_router_solicitation;
    const auto checksum = icmpv6_checksum(src, dst, icmp);
    icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
    icmp[3] = static_cast<std::uint8_t>(checksum & 0xff);
    return packet;
}

std::expected<router_advertisement, std::string> parse_router_advertisement(
    std::span<const std::uint8_t> datagram, const std::optional<nonce>& expected_nonce) {
    router_advertisement ra;
    auto rest = datagram;

    if (rest.size() >= 2 && rest[0] == 0x00 && rest[1] == 0x01) {
        if (rest.size() < auth_fixed_size) return std::unexpected("truncated authentication header");
        const std::size_t id_length = rest[2];
        const std::size_t auth_length = rest[3];
        const std::size_t header_size = auth_fixed_size + id_length + auth_length + nonce_size + 1;
        if (rest.size() < header_size) return std::unexpected("truncated authentication header");
        nonce n{};
        std::copy_n(rest.begin() + static_cast<std::ptrdiff_t>(auth_fixed_size + id_length + auth_length), nonce_size,
                    n.begin());
        ra.echoed_nonce = n;
        rest = rest.subspan(header_size);
    }
    if (expected_nonce) {
        if (!ra.echoed_nonce) return std::unexpected("no authentication header: does not answer our probe");
        if (*ra.echoed_nonce != *expected_nonce) return std::unexpected("nonce does not match our probe");
    }

    if (rest.size() >= 2 && rest[0] == 0x00 && rest[1] == 0x00) {
        if (rest.size() < origin_size) return std::unexpected("truncated origin indication");
        origin_indication origin;
        // RFC 4380 5.1.1: port and address are sent inverted (XOR with all ones).
        origin.port = static_cast<std::uint16_t>(~read_u16(rest, 2));
        for (std::size_t i = 0; i < 4; ++i) origin.ipv4[i] = static_cast<std::uint8_t>(~rest[4 + i]);
        ra.origin = origin;
        rest = rest.subspan(origin_size);
    }

    if (rest.size() < ipv6_header_size) return std::unexpected("truncated IPv6 header");
    if ((rest[0] >> 4) != 6) return std::unexpected("not an IPv6 packet");
    const std::size_t payload_length = read_u16(rest, 4);
    if (rest[6] != next_header_icmpv6) return std::unexpected("IPv6 payload is not ICMPv6");
    if (payload_length > rest.size() - ipv6_header_size) return std::unexpected("IPv6 payload length exceeds the datagram");
    std::copy_n(rest.begin() + 8, 16, ra.source.begin());
    std::copy_n(rest.begin() + 24, 16, ra.destination.begin());
    const auto icmp = rest.subspan(ipv6_header_size, payload_length);

    if (icmp.size() < ra_fixed_size) return std::unexpected("truncated ICMPv6 message");
    if (icmp[0] != icmpv6_router_advertisement || icmp[1] != 0)
        return std::unexpected("ICMPv6 message is not a Router Advertisement");
    if (icmpv6_checksum(ra.source, ra.destination, icmp) != 0) return std::unexpected("bad ICMPv6 checksum");
    ra.router_lifetime_s = read_u16(icmp, 6);

    auto options = icmp.subspan(ra_fixed_size);
    while (!options.empty()) {
        if (options.size() < 2) return std::unexpected("truncated neighbor discovery option");
        const std::size_t option_size = std::size_t{options[1]} * 8;
        if (option_size == 0) return std::unexpected("neighbor discovery option of length 0");
        if (option_size > options.size()) return std::unexpected("truncated neighbor discovery option");
        const auto option = options.first(option_size);
        if (option[0] == option_prefix_information && option_size == 32) {
            const std::uint8_t prefix_length = option[2];
            const auto prefix = option.subspan(16, 16);
            // A Teredo prefix is 2001:0000:<server IPv4>::/64.
            if (prefix_length == 64 && prefix[0] == 0x20 && prefix[1] == 0x01 && prefix[2] == 0 && prefix[3] == 0)
                ra.teredo_server_ipv4 = std::array<std::uint8_t, 4>{prefix[4], prefix[5], prefix[6], prefix[7]};
        } else if (option[0] == option_mtu && option_size == 8) {
            ra.mtu = read_u32(option, 4);
        }
        options = options.subspan(option_size);
    }
    return ra;
}

std::string format_ipv4(const std::array<std::uint8_t, 4>& address) {
    char text[16];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", address[0], address[1], address[2], address[3]);
    return text;
}

}  // namespace fleetmend::teredo
