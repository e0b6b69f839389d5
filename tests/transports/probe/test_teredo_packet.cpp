#include "transports/probe/teredo_packet.hpp"

#include "teredo_answers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace fleetmend;
using namespace fleetmend::teredo;

namespace {
const nonce cone_nonce{0x6e, 0x8f, 0xd8, 0x0f, 0x3a, 0x22, 0xaa, 0x42};
const nonce restricted_nonce{0xbf, 0x0e, 0x81, 0xa2, 0xa5, 0x18, 0xe9, 0x5f};

std::uint16_t field16(const std::array<std::uint8_t, rs_packet_size>& p, std::size_t at) {
    return static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]);
}
}  // namespace

TEST_CASE("the Router Solicitation is the 61-byte RFC 4380 qualification probe", "[probe][unit]") {
    const nonce n{1, 2, 3, 4, 5, 6, 7, 8};
    const auto rs = build_router_solicitation(n, rs_source::cone);
    REQUIRE(rs.size() == 61);
    // Authentication header: indicator 0x0001, empty id and value, the nonce, confirmation 0.
    CHECK(std::vector<std::uint8_t>(rs.begin(), rs.begin() + 4) == std::vector<std::uint8_t>{0, 1, 0, 0});
    CHECK(std::equal(n.begin(), n.end(), rs.begin() + 4));
    CHECK(rs[12] == 0);
    // IPv6 header: version 6, payload 8, ICMPv6, hop limit 255.
    CHECK(std::vector<std::uint8_t>(rs.begin() + 13, rs.begin() + 21) ==
          std::vector<std::uint8_t>{0x60, 0, 0, 0, 0, 8, 0x3a, 0xff});
    const auto cone = rs_source_address(rs_source::cone);
    CHECK(std::equal(cone.begin(), cone.end(), rs.begin() + 21));
    const auto routers = all_routers_address();
    CHECK(std::equal(routers.begin(), routers.end(), rs.begin() + 37));
    CHECK(rs[53] == 133);
    CHECK(rs[54] == 0);
}

TEST_CASE("the ICMPv6 checksum covers the pseudo-header (known answers)", "[probe][unit]") {
    // Values computed independently (RFC 1071 sum over source, destination,
    // upper-layer length and next header 58, then the RS with checksum 0).
    const auto cone = build_router_solicitation(nonce{}, rs_source::cone);
    const auto restricted = build_router_solicitation(nonce{}, rs_source::restricted);
    CHECK(field16(cone, 55) == 0x125d);
    CHECK(field16(restricted, 55) == 0x7d37);
    // The nonce sits outside the IPv6 packet, so it does not change the checksum.
    CHECK(field16(build_router_solicitation(nonce{9, 9, 9, 9, 9, 9, 9, 9}, rs_source::cone), 55) == 0x125d);
    // A message with a correct checksum field sums to zero.
    CHECK(icmpv6_checksum(rs_source_address(rs_source::cone), all_routers_address(),
                          std::span(cone.data() + 53, 8)) == 0);
}

TEST_CASE("a real miredo-server answer parses into what the report shows", "[probe][unit]") {
    const auto bytes = test::from_hex(test::miredo_cone_answer_hex);
    const auto ra = parse_router_advertisement(bytes, cone_nonce);
    REQUIRE(ra.has_value());
    REQUIRE(ra->echoed_nonce);
    CHECK(*ra->echoed_nonce == cone_nonce);
    REQUIRE(ra->origin);
    CHECK(ra->origin->port == 60042);
    CHECK(format_ipv4(ra->origin->ipv4) == "192.0.2.10");
    REQUIRE(ra->teredo_server_ipv4);
    CHECK(format_ipv4(*ra->teredo_server_ipv4) == "192.0.2.221");
    REQUIRE(ra->mtu);
    CHECK(*ra->mtu == 1280);
    CHECK(ra->destination == rs_source_address(rs_source::cone));

    const auto restricted = parse_router_advertisement(test::from_hex(test::miredo_restricted_answer_hex), restricted_nonce);
    REQUIRE(restricted.has_value());
    CHECK(restricted->destination == rs_source_address(rs_source::restricted));
}

TEST_CASE("an answer to someone else's probe is rejected", "[probe][unit]") {
    const auto bytes = test::from_hex(test::miredo_cone_answer_hex);
    CHECK_FALSE(parse_router_advertisement(bytes, restricted_nonce).has_value());
    // Without the authentication header there is nothing to match: rejected when a nonce is expected.
    const std::vector<std::uint8_t> unauthenticated(bytes.begin() + 13, bytes.end());
    CHECK_FALSE(parse_router_advertisement(unauthenticated, cone_nonce).has_value());
    const auto plain = parse_router_advertisement(unauthenticated, std::nullopt);
    REQUIRE(plain.has_value());
    CHECK_FALSE(plain->echoed_nonce);
    CHECK(plain->origin);
}

TEST_CASE("a corrupted Router Advertisement is rejected", "[probe][unit]") {
    const auto good = test::from_hex(test::miredo_cone_answer_hex);
    SECTION("bad checksum") {
        auto bytes = good;
        bytes[21 + 40 + 7] ^= 0x01;  // router lifetime bit: checksum no longer matches
        CHECK(parse_router_advertisement(bytes, cone_nonce).error() == "bad ICMPv6 checksum");
    }
    SECTION("not a Router Advertisement") {
        auto bytes = good;
        bytes[21 + 40] = 133;
        CHECK_FALSE(parse_router_advertisement(bytes, cone_nonce).has_value());
    }
    SECTION("not IPv6") {
        auto bytes = good;
        bytes[21] = 0x45;
        CHECK_FALSE(parse_router_advertisement(bytes, cone_nonce).has_value());
    }
    SECTION("payload length beyond the datagram") {
        auto bytes = good;
        bytes[21 + 5] = 0xff;
        CHECK_FALSE(parse_router_advertisement(bytes, cone_nonce).has_value());
    }
    SECTION("option of length zero would loop forever") {
        auto bytes = good;
        bytes[21 + 40 + 16 + 1] = 0;
        CHECK_FALSE(parse_router_advertisement(bytes, cone_nonce).has_value());
    }
    SECTION("authentication header claiming more than there is") {
        auto bytes = good;
        bytes[2] = 0xff;
        bytes[3] = 0xff;
        bytes.resize(100);
        CHECK_FALSE(parse_router_advertisement(bytes, std::nullopt).has_value());
    }
}

TEST_CASE("every truncation of a valid answer is rejected without reading past it", "[probe][unit]") {
    const auto good = test::from_hex(test::miredo_cone_answer_hex);
    for (std::size_t length = 0; length < good.size(); ++length) {
        // Heap copy of exactly `length` bytes so a sanitizer build catches any over-read.
        const std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length));
        INFO("length " << length);
        CHECK_FALSE(parse_router_advertisement(cut, cone_nonce).has_value());
    }
}

TEST_CASE("garbage datagrams never parse and never crash", "[probe][unit]") {
    std::uint32_t state = 12345;
    auto next = [&state] {
        state = state * 1103515245u + 12345u;
        return static_cast<std::uint8_t>(state >> 16);
    };
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> bytes(next() % 160);
        for (auto& b : bytes) b = next();
        if (round % 3 == 0 && bytes.size() > 2) bytes[0] = 0, bytes[1] = 1;  // look like an auth header
        if (parse_router_advertisement(bytes, cone_nonce)) ++accepted;
    }
    CHECK(accepted == 0);
}
