#pragma once
/// Standard base64 (RFC 4648, with padding): WS-Man streams, PowerShell
/// -EncodedCommand and HTTP Negotiate tokens. Pure.
#include <optional>
#include <string>
#include <string_view>

namespace fleetmend::encoding {

/// Encodes with padding.
[[nodiscard]] std::string base64_encode(std::string_view bytes);
/// Decodes, skipping whitespace; nullopt when the text is not base64 (a
/// character outside the alphabet, data after padding, a dangling sextet).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fleetmend::encoding
