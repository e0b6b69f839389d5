#pragma once
/// Structural check of an NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) before
/// it reaches GSSAPI. The CHALLENGE comes from a host we have not
/// authenticated, and gss-ntlmssp 1.2 trusts parts of it: a CHALLENGE that
/// names a target type with an empty TargetName made it write through a NULL
/// pointer (found by tests/fuzz/fuzz_auth_challenge; see
/// docs/SECURITY.md), and short MsvAvTimestamp/MsvAvFlags pairs
/// make it read past the message. Pure: no GSSAPI, no I/O.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace fleetmend::winrm {

/// "NTLMSSP\0": every NTLM message starts with it (MS-NLMP 2.2.1).
inline constexpr std::string_view ntlm_signature{"NTLMSSP\0", 8};

/// Fixed part of a CHALLENGE_MESSAGE up to and including TargetInfoFields;
/// the optional Version (8 bytes) and the payload follow.
inline constexpr std::size_t ntlm_challenge_header_size = 48;

/// True when the token is an NTLM message (starts with "NTLMSSP\0"). Kerberos
/// and SPNEGO tokens are ASN.1 and never start this way.
[[nodiscard]] bool is_ntlm_message(std::string_view token) noexcept;

/// Checks that `message` is a well-formed CHALLENGE_MESSAGE:
///  - at least 48 bytes, signature "NTLMSSP\0", MessageType 2;
///  - TargetNameFields and TargetInfoFields: Len <= MaxLen, and a non-empty
///    field lies inside the message, after the 48-byte header;
///  - NTLMSSP_TARGET_TYPE_SERVER/DOMAIN set => TargetName not empty; a
///    Unicode TargetName has an even length;
///  - NTLMSSP_NEGOTIATE_TARGET_INFO set => TargetInfo not empty;
///  - TargetInfo (when present) is an AV_PAIR list: each pair inside it,
///    ended by MsvAvEOL with AvLen 0; MsvAvFlags is 4 bytes, MsvAvTimestamp
///    8 bytes, the name pairs (NetBIOS/DNS names, MsvAvTargetName) an even
///    number of bytes (UTF-16LE).
/// The error says what is wrong in a few words ("TargetInfo ends before
/// MsvAvEOL").
[[nodiscard]] std::expected<void, std::string> check_ntlm_challenge(std::string_view message);

}  // namespace fleetmend::winrm
