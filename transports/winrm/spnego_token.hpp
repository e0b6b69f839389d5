#pragma once
/// The mechanism token inside an SPNEGO NegTokenResp (RFC 4178 4.2.2), pure:
/// an acceptor's SPNEGO answer carries the NTLM CHALLENGE as its
/// responseToken, and that CHALLENGE must be checked (ntlm_challenge.hpp)
/// before gss-ntlmssp sees it, as a raw one is. Hand-written: MIT krb5 parses
/// SPNEGO only inside gss_init_sec_context. Bounded DER reading, never past
/// the input; hostile input (fuzzed with the challenge parser).
#include <optional>
#include <string_view>

namespace fleetmend::winrm {

/// The responseToken of a NegTokenResp ([1] SEQUENCE { ..., [2] OCTET
/// STRING, ... }); nullopt when the token is not one or carries none.
[[nodiscard]] std::optional<std::string_view> spnego_response_token(std::string_view token) noexcept;

}  // namespace fleetmend::winrm
