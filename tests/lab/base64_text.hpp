#pragma once
/// Base64 (RFC 4648, with padding) and UTF-16LE decoding, pure. WS-Man
/// streams and PowerShell -EncodedCommand both need them.
#include <optional>
#include <string>
#include <string_view>

namespace fleetmend::lab {

[[nodiscard]] std::string base64_encode(std::string_view bytes);
/// nullopt when the text is not base64 (whitespace is skipped).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);
/// UTF-16LE bytes to UTF-8; nullopt on an odd length or a broken surrogate pair.
[[nodiscard]] std::optional<std::string> utf16le_to_utf8(std::string_view bytes);

}  // namespace fleetmend::lab
