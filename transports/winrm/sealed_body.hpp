#pragma once
/// Framing of a sealed WinRM message body (MS-WSMV "encrypted" multipart), pure:
///   --Encrypted Boundary\r\n
///   \tContent-Type: <protocol>\r\n
///   \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<N>\r\n
///   --Encrypted Boundary\r\n
///   \tContent-Type: application/octet-stream\r\n
///   <uint32 LE header length><header><encrypted data>--Encrypted Boundary--\r\n
/// For NTLM the header is the 16-byte signature (gss_wrap output = signature
/// then ciphertext); for Kerberos it is the gss_wrap_iov HEADER buffer.
/// Used by the client (transports/winrm) and by the lab's server side.
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace fleetmend::winrm {

inline constexpr std::string_view spnego_protocol = "application/HTTP-SPNEGO-session-encrypted";
inline constexpr std::string_view kerberos_protocol = "application/HTTP-Kerberos-session-encrypted";

/// The HTTP Content-Type of a sealed body for that protocol.
[[nodiscard]] std::string sealed_content_type(std::string_view protocol);

struct sealed_message {
    std::string protocol;          // spnego_protocol or kerberos_protocol
    std::size_t original_length = 0;  // length of the plaintext SOAP
    std::string header;            // signature / wrap header
    std::string encrypted_data;    // ciphertext (+ padding)
};

/// Builds the multipart body for one sealed message.
[[nodiscard]] std::string frame_sealed_body(const sealed_message& message);

/// Parses a multipart body; errors say what was malformed. Bounded: never
/// reads past the input, rejects a header length larger than the part.
[[nodiscard]] std::expected<sealed_message, std::string> parse_sealed_body(std::string_view body);

}  // namespace fleetmend::winrm
