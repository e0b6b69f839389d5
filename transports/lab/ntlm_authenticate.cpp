#include "transports/lab/ntlm_authenticate.hpp"

#include <algorithm>
#include <cstdint>

namespace fleetmend::lab {
namespace {

std::uint32_t le(std::string_view bytes, std::size_t at, std::size_t width) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < width; ++i)
        value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return value;
}

constexpr std::uint16_t av_eol = 0x0000;
constexpr std::uint16_t av_channel_bindings = 0x000A;

}  // namespace

std::optional<bool> ntlm_authenticate_has_channel_bindings(std::string_view token) {
    // Signature, MessageType 3, then NtChallengeResponseFields (len, maxlen, offset) at 20.
    if (token.size() < 28 || token.substr(0, 8) != std::string_view("NTLMSSP\0", 8) || le(token, 8, 4) != 3)
        return std::nullopt;
    const std::size_t length = le(token, 20, 2);
    const std::size_t offset = le(token, 24, 4);
    if (offset > token.size() || length > token.size() - offset) return std::nullopt;
    // NTLMv2: NTProofStr (16) then the client blob, whose AV pairs start 28 bytes in.
    const std::string_view response = token.substr(offset, length);
    if (response.size() < 16 + 28) return std::nullopt;
    std::string_view pairs = response.substr(16 + 28);
    while (pairs.size() >= 4) {
        const auto id = static_cast<std::uint16_t>(le(pairs, 0, 2));
        const std::size_t size = le(pairs, 2, 2);
        if (id == av_eol || size > pairs.size() - 4) break;
        if (id == av_channel_bindings) {
            const auto value = pairs.substr(4, size);
            return size == 16 && std::any_of(value.begin(), value.end(), [](char c) { return c != 0; });
        }
        pairs.remove_prefix(4 + size);
    }
    return false;
}

}  // namespace fleetmend::lab
