#pragma once
// Real answers captured from Debian's miredo-server 1.2.6 (server addresses
// 192.0.2.221 and .222, client 192.0.2.10) to the probe's Router Solicitations.
#include <cstdint>
#include <string_view>
#include <vector>

namespace fleetmend::test {

/// Answer to a cone RS carrying nonce 6e8fd80f3a22aa42 (117 bytes, from 192.0.2.222:3544).
inline constexpr std::string_view miredo_cone_answer_hex =
    "000100006e8fd80f3a22aa4200000015753ffffdf56000000000383afffe800000000000008000f2273ffffd22fe8000000000"
    "0000800054455245444f86002a720000000000000000000007d003044040ffffffffffffffff0000000020010000c00002dd00"
    "000000000000000501000000000500";

/// Answer to a restricted RS carrying nonce bf0e81a2a518e95f (from 192.0.2.221:3544).
inline constexpr std::string_view miredo_restricted_answer_hex =
    "00010000bf0e81a2a518e95f0000003e243ffffdf56000000000383afffe800000000000008000f2273ffffd22fe8000000000"
    "00000000ffffffffffff8600954c0000000000000000000007d003044040ffffffffffffffff0000000020010000c00002dd00"
    "000000000000000501000000000500";

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> bytes;
    auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<std::uint8_t>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
    return bytes;
}

}  // namespace fleetmend::test
