#pragma once
/// Reading the server's half of an HTTP Negotiate/Kerberos exchange: the
/// token after "<scheme> " in a WWW-Authenticate value (RFC 7235 allows
/// several challenges in one value, and hosts send "Negotiate, Kerberos" or
/// "Negotiate <token>"). Pure: no GSSAPI, no I/O. The value comes from a host
/// we have not authenticated yet, so it is hostile input and is fuzzed
/// (tests/fuzz/fuzz_auth_challenge.cpp). An NTLM CHALLENGE inside the token
/// is checked here (transports/winrm/ntlm_challenge.hpp), so a malformed one
/// never reaches gss_init_sec_context, whichever caller decodes the token.
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace fleetmend::winrm {

/// Longest base64 token we accept from a challenge. A real NTLM CHALLENGE is
/// a few hundred bytes and a Kerberos AP-REP a few KiB; anything past this is
/// refused before it reaches base64 or GSSAPI.
inline constexpr std::size_t max_challenge_token = 48u << 10;

/// First character of what challenge_token returns for a refused NTLM
/// CHALLENGE. It is not base64, so a caller that base64-decodes the token
/// fails (a protocol error) instead of handing the CHALLENGE to GSSAPI.
inline constexpr char refused_challenge_mark = '!';

/// The token that follows `scheme` (matched case-insensitively) in a
/// WWW-Authenticate value; empty when the scheme is absent, carries no
/// token, or the token is longer than max_challenge_token. When the token is
/// base64 of an NTLM message (raw, or the responseToken of an SPNEGO answer)
/// that is not a well-formed CHALLENGE
/// (check_ntlm_challenge), the result is refused_challenge_mark followed by
/// the reason instead: never a token GSSAPI would be given.
[[nodiscard]] std::string challenge_token(std::string_view header, std::string_view scheme);

/// The bytes to give gss_init_sec_context for a token from challenge_token:
/// base64-decoded and, when it is or (inside SPNEGO) carries an NTLM message,
/// checked to be a well-formed CHALLENGE (Kerberos tokens pass unchanged). The
/// error is a sentence for the user, e.g. "the host sent a malformed NTLM
/// challenge: its TargetName is empty ...; it is not a Windows WinRM endpoint
/// or the connection is tampered with".
[[nodiscard]] std::expected<std::string, std::string> decode_challenge(std::string_view token);

}  // namespace fleetmend::winrm
