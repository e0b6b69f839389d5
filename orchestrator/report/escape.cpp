#include "orchestrator/report/escape.hpp"

#include <algorithm>
#include <cstdio>

namespace fleetmend {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

/// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) return 1;
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else return 0;
    if (i + n > text.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    // overlong forms, surrogates and values past U+10FFFF are invalid
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

template <typename OnAscii>
std::string transform(std::string_view text, OnAscii on_ascii) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (std::size_t i = 0; i < text.size();) {
        const auto n = utf8_length(text, i);
        if (n == 0) {
            out += replacement;
            ++i;
        } else if (n == 1) {
            on_ascii(out, text[i]);
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

void markup_escape(std::string& out, char c) {
    switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += replacement;
            else out += c;
    }
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    return transform(text, [](std::string& out, char c) { out += c; });
}

std::string terminal_safe(std::string_view text, bool keep_newlines) {
    return transform(text, [keep_newlines](std::string& out, char c) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t' && !(keep_newlines && c == '\n')) || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    });
}

std::string xml_escape(std::string_view text) { return transform(text, markup_escape); }
std::string html_escape(std::string_view text) { return transform(text, markup_escape); }

std::string markdown_inline(std::string_view text) {
    return transform(text, [](std::string& out, char c) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\n': out += ' '; break;
            case '\r': break;
            case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#': case '!': case '~':
                out += '\\';
                out += c;
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t') out += replacement;
                else out += c;
        }
    });
}

std::string markdown_code_block(std::string_view text) {
    std::size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
    std::string body = terminal_safe(text, true);
    if (!body.empty() && body.back() != '\n') body += '\n';
    return fence + "text\n" + body + fence + "\n";
}

std::string shorten(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";
}

}  // namespace fleetmend
