// Whether an NTLM AUTHENTICATE carries channel bindings (a Strict host's check).
#include "transports/lab/ntlm_authenticate.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace fleetmend::lab;

namespace {

// An AUTHENTICATE whose NTLMv2 response holds these AV pairs (then MsvAvEOL).
std::string authenticate_with(const std::string& pairs) {
    std::string response(16 + 28, '\x01');  // NTProofStr and the blob's fixed part
    response += pairs;
    response += std::string(4, '\0');  // MsvAvEOL
    std::string token("NTLMSSP\0", 8);
    token += std::string("\x03\x00\x00\x00", 4);
    token += std::string(8, '\0');  // LmChallengeResponseFields
    const auto length = static_cast<char>(response.size());
    token += std::string{length, 0, length, 0, 64, 0, 0, 0};  // NtChallengeResponseFields
    token.resize(64, '\0');
    return token + response;
}

std::string pair(char id, const std::string& value) {
    return std::string{id, 0, static_cast<char>(value.size()), 0} + value;
}

}  // namespace

TEST_CASE("channel bindings are found in an NTLMv2 AUTHENTICATE, absent or zero ones are not", "[lab][unit]") {
    const std::string flags = pair(0x06, std::string("\x02\x00\x00\x00", 4));
    CHECK(ntlm_authenticate_has_channel_bindings(authenticate_with(flags + pair(0x0A, std::string(16, '\x5a')))) ==
          std::optional<bool>(true));
    CHECK(ntlm_authenticate_has_channel_bindings(authenticate_with(flags + pair(0x0A, std::string(16, '\0')))) ==
          std::optional<bool>(false));
    CHECK(ntlm_authenticate_has_channel_bindings(authenticate_with(flags)) == std::optional<bool>(false));
    // Not an AUTHENTICATE, or a response field past the end: no answer.
    CHECK_FALSE(ntlm_authenticate_has_channel_bindings("NTLMSSP"));
    auto truncated = authenticate_with(flags);
    truncated.resize(70);
    CHECK_FALSE(ntlm_authenticate_has_channel_bindings(truncated));
}
