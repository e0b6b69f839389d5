#include "transports/ssh/ssh_command_line.hpp"

#include <cstdint>

namespace fleetmend::ssh_detail {
namespace {

constexpr char32_t replacement_char = 0xFFFD;

/// Decodes one code point at `i`, advancing `i`; malformed input yields U+FFFD.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto lead = static_cast<unsigned char>(s[i++]);
    if (lead < 0x80) return lead;
    int extra = 0;
    char32_t cp = 0;
    if ((lead & 0xE0) == 0xC0) { extra = 1; cp = lead & 0x1F; }
    else if ((lead & 0xF0) == 0xE0) { extra = 2; cp = lead & 0x0F; }
    else if ((lead & 0xF8) == 0xF0) { extra = 3; cp = lead & 0x07; }
    else return replacement_char;
    for (int k = 0; k < extra; ++k) {
        if (i >= s.size()) return replacement_char;
        const auto cont = static_cast<unsigned char>(s[i]);
        if ((cont & 0xC0) != 0x80) return replacement_char;
        cp = (cp << 6) | (cont & 0x3F);
        ++i;
    }
    const bool overlong = (extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
                          (extra == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return replacement_char;
    return cp;
}

void put_unit(std::string& out, std::uint16_t unit) {
    out.push_back(static_cast<char>(unit & 0xFF));
    out.push_back(static_cast<char>(unit >> 8));
}

}  // namespace

std::string utf8_to_utf16le(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size() * 2);
    for (std::size_t i = 0; i < utf8.size();) {
        const char32_t cp = next_code_point(utf8, i);
        if (cp < 0x10000) {
            put_unit(out, static_cast<std::uint16_t>(cp));
        } else {
            const char32_t v = cp - 0x10000;
            put_unit(out, static_cast<std::uint16_t>(0xD800 + (v >> 10)));
            put_unit(out, static_cast<std::uint16_t>(0xDC00 + (v & 0x3FF)));
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                                (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                                static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string build_exec_line(const std::string& command, shell_kind shell) {
    if (shell != shell_kind::powershell) return command;
    // Progress records would otherwise arrive as CLIXML noise on stderr.
    const std::string script = "$ProgressPreference='SilentlyContinue'; " + command;
    return "powershell -NoProfile -NonInteractive -EncodedCommand " +
           base64_encode(utf8_to_utf16le(script));
}

}  // namespace fleetmend::ssh_detail
