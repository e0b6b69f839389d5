#pragma once
/// UTF-8 <-> UTF-16LE, the encoding of PowerShell -EncodedCommand and of
/// Windows console output. Pure.
#include <optional>
#include <string>
#include <string_view>

namespace fleetmend::encoding {

/// Malformed UTF-8 (bad lead or continuation byte, overlong form, surrogate
/// code point) becomes U+FFFD, so a command line is never cut short.
[[nodiscard]] std::string utf8_to_utf16le(std::string_view utf8);
/// Appends the UTF-8 form of one code point (at most U+10FFFF).
void append_utf8(std::string& out, char32_t code_point);
/// nullopt on an odd length or a broken surrogate pair.
[[nodiscard]] std::optional<std::string> utf16le_to_utf8(std::string_view bytes);

}  // namespace fleetmend::encoding
