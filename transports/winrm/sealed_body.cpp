// Framing of sealed WinRM bodies (MS-WSMV 2.2.9.1). Pure: bytes in, bytes out.
#include "transports/winrm/sealed_body.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace fleetmend::winrm {
namespace {

constexpr std::string_view boundary_line = "--Encrypted Boundary\r\n";
constexpr std::string_view end_line = "--Encrypted Boundary--\r\n";
constexpr std::string_view octet_stream_line = "\tContent-Type: application/octet-stream\r\n";
constexpr std::string_view length_key = "Length=";
constexpr std::string_view content_type_key = "Content-Type:";

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        auto a = static_cast<unsigned char>(text[i]);
        auto b = static_cast<unsigned char>(prefix[i]);
        if (std::tolower(a) != std::tolower(b)) return false;
    }
    return true;
}

void append_u32_le(std::string& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint32_t read_u32_le(std::string_view bytes) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    return value;
}

// Reads the first part's header lines: the protocol and the plaintext Length.
std::expected<void, std::string> parse_description(std::string_view part, sealed_message& out) {
    bool have_length = false;
    while (!part.empty()) {
        auto eol = part.find("\r\n");
        auto line = trim(part.substr(0, eol));
        part = eol == std::string_view::npos ? std::string_view{} : part.substr(eol + 2);
        if (line.empty()) continue;
        if (starts_with_ci(line, content_type_key)) {
            out.protocol = std::string(trim(line.substr(content_type_key.size())));
            continue;
        }
        if (auto at = line.find(length_key); at != std::string_view::npos) {
            auto digits = line.substr(at + length_key.size());
            auto end = digits.find_first_not_of("0123456789");
            digits = digits.substr(0, end);
            auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.original_length);
            if (ec != std::errc{} || digits.empty())
                return std::unexpected("sealed body: OriginalContent Length is not a number");
            have_length = true;
        }
    }
    if (out.protocol.empty()) return std::unexpected("sealed body: the first part has no Content-Type (protocol)");
    // A protocol is a media type name: anything else (spaces, control bytes, a
    // boundary line smuggled in) would frame back into a different message.
    if (out.protocol.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/.+-_") !=
        std::string::npos)
        return std::unexpected("sealed body: the first part's Content-Type is not a protocol name");
    if (!have_length) return std::unexpected("sealed body: OriginalContent has no Length=");
    return {};
}

}  // namespace

std::string sealed_content_type(std::string_view protocol) {
    std::string out = "multipart/encrypted;protocol=\"";
    out += protocol;
    out += "\";boundary=\"Encrypted Boundary\"";
    return out;
}

std::string frame_sealed_body(const sealed_message& message) {
    std::string out;
    out.reserve(message.header.size() + message.encrypted_data.size() + 256);
    out += boundary_line;
    out += "\tContent-Type: ";
    out += message.protocol;
    out += "\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=";
    out += std::to_string(message.original_length);
    out += "\r\n";
    out += boundary_line;
    out += octet_stream_line;
    append_u32_le(out, static_cast<std::uint32_t>(message.header.size()));
    out += message.header;
    out += message.encrypted_data;
    out += end_line;
    return out;
}

std::expected<sealed_message, std::string> parse_sealed_body(std::string_view body) {
    // The payload is binary and may contain anything, so it is delimited by the
    // final end marker, never by searching inside it.
    auto first = body.find(boundary_line);
    if (first == std::string_view::npos)
        return std::unexpected("sealed body: no '--Encrypted Boundary' line; the host did not send a sealed message");
    auto rest = body.substr(first + boundary_line.size());
    auto second = rest.find(boundary_line);
    if (second == std::string_view::npos)
        return std::unexpected("sealed body: only one MIME part; expected the description and the octet-stream part");
    sealed_message out;
    if (auto described = parse_description(rest.substr(0, second), out); !described)
        return std::unexpected(described.error());

    auto payload = rest.substr(second + boundary_line.size());
    // Skip the part's own header line(s) up to the octet-stream Content-Type.
    auto type_at = payload.find("application/octet-stream\r\n");
    if (type_at == std::string_view::npos || type_at > 64)
        return std::unexpected("sealed body: the second part is not application/octet-stream");
    payload.remove_prefix(type_at + std::string_view("application/octet-stream\r\n").size());

    auto end = payload.rfind(end_line);
    if (end == std::string_view::npos)
        return std::unexpected("sealed body: missing the closing '--Encrypted Boundary--' line (truncated?)");
    payload = payload.substr(0, end);

    if (payload.size() < 4) return std::unexpected("sealed body: the octet-stream part is shorter than its length prefix");
    std::uint32_t header_length = read_u32_le(payload.substr(0, 4));
    payload.remove_prefix(4);
    if (header_length > payload.size())
        return std::unexpected("sealed body: header length " + std::to_string(header_length) +
                               " exceeds the part (" + std::to_string(payload.size()) + " bytes)");
    out.header = std::string(payload.substr(0, header_length));
    out.encrypted_data = std::string(payload.substr(header_length));
    return out;
}

}  // namespace fleetmend::winrm
