#include "transports/winrm/spnego_token.hpp"

#include <cstddef>

namespace fleetmend::winrm {
namespace {

// One DER tag-length-value taken off the front of `in`.
bool take_tlv(std::string_view& in, unsigned char& tag, std::string_view& value) noexcept {
    if (in.size() < 2) return false;
    tag = static_cast<unsigned char>(in[0]);
    std::size_t length = static_cast<unsigned char>(in[1]);
    std::size_t header = 2;
    if (length & 0x80) {
        const std::size_t bytes = length & 0x7f;
        if (bytes == 0 || bytes > 4 || in.size() < 2 + bytes) return false;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | static_cast<unsigned char>(in[2 + i]);
        header = 2 + bytes;
    }
    if (length > in.size() - header) return false;
    value = in.substr(header, length);
    in.remove_prefix(header + length);
    return true;
}

constexpr unsigned char neg_token_resp = 0xa1;
constexpr unsigned char sequence = 0x30;
constexpr unsigned char response_token = 0xa2;
constexpr unsigned char octet_string = 0x04;

}  // namespace

std::optional<std::string_view> spnego_response_token(std::string_view token) noexcept {
    unsigned char tag = 0;
    std::string_view body, fields;
    if (!take_tlv(token, tag, body) || tag != neg_token_resp) return std::nullopt;
    if (!take_tlv(body, tag, fields) || tag != sequence) return std::nullopt;
    while (!fields.empty()) {
        std::string_view field;
        if (!take_tlv(fields, tag, field)) return std::nullopt;
        if (tag != response_token) continue;
        std::string_view octets;
        if (!take_tlv(field, tag, octets) || tag != octet_string) return std::nullopt;
        return octets;
    }
    return std::nullopt;
}

}  // namespace fleetmend::winrm
