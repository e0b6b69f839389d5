#pragma once
/// Reading the server's half of an HTTP Negotiate/Kerberos exchange: the
/// token after "<scheme> " in a WWW-Authenticate value (RFC 7235 allows
/// several challenges in one value, and hosts send "Negotiate, Kerberos" or
/// "Negotiate <token>"). Pure: no GSSAPI, no I/O. The value comes from a host
/// we have not authenticated yet, so it is hostile input and is fuzzed
/// (tests/fuzz/fuzz_auth_challenge.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace fleetmend::winrm {

/// Longest base64 token we accept from a challenge. A real NTLM CHALLENGE is
/// a few hundred bytes and a Kerberos AP-REP a few KiB; anything past this is
/// refused before it reaches base64 or GSSAPI.
inline constexpr std::size_t max_challenge_token = 48u << 10;

/// The token that follows `scheme` (matched case-insensitively) in a
/// WWW-Authenticate value; empty when the scheme is absent, carries no
/// token, or the token is longer than max_challenge_token.
[[nodiscard]] std::string challenge_token(std::string_view header, std::string_view scheme);

}  // namespace fleetmend::winrm
