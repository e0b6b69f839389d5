#include "transports/winrm/ntlm_challenge.hpp"

#include <cstddef>

namespace fleetmend::winrm {
namespace {

// NegotiateFlags bits the check depends on (MS-NLMP 2.2.2.5).
constexpr std::uint32_t negotiate_unicode = 0x00000001;
constexpr std::uint32_t target_type_domain = 0x00010000;
constexpr std::uint32_t target_type_server = 0x00020000;
constexpr std::uint32_t negotiate_target_info = 0x00800000;

// AvId values (MS-NLMP 2.2.2.1).
constexpr std::uint16_t av_eol = 0x0000;
constexpr std::uint16_t av_nb_computer_name = 0x0001;
constexpr std::uint16_t av_dns_tree_name = 0x0005;
constexpr std::uint16_t av_flags = 0x0006;
constexpr std::uint16_t av_timestamp = 0x0007;
constexpr std::uint16_t av_target_name = 0x0009;

std::uint16_t le16(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[at]) |
                                      (static_cast<unsigned char>(bytes[at + 1]) << 8));
}

std::uint32_t le32(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint32_t>(le16(bytes, at)) | (static_cast<std::uint32_t>(le16(bytes, at + 2)) << 16);
}

// A Len/MaxLen/BufferOffset triple (MS-NLMP 2.2.1.2 "...Fields").
struct field {
    std::uint16_t len = 0;
    std::uint16_t max_len = 0;
    std::uint32_t offset = 0;
};

field read_field(std::string_view message, std::size_t at) {
    return {le16(message, at), le16(message, at + 2), le32(message, at + 4)};
}

// The bytes a field points at, or the reason it does not fit.
std::expected<std::string_view, std::string> field_bytes(std::string_view message, const field& f, std::string_view name) {
    if (f.len > f.max_len)
        return std::unexpected(std::string(name) + " length " + std::to_string(f.len) + " exceeds its maximum length " +
                               std::to_string(f.max_len));
    if (f.len == 0) return std::string_view{};
    // 64-bit arithmetic: offset + len cannot wrap.
    const std::uint64_t end = std::uint64_t{f.offset} + f.len;
    if (f.offset < ntlm_challenge_header_size)
        return std::unexpected(std::string(name) + " overlaps the message header (offset " + std::to_string(f.offset) + ")");
    if (end > message.size())
        return std::unexpected(std::string(name) + " (offset " + std::to_string(f.offset) + ", length " +
                               std::to_string(f.len) + ") lies outside the " + std::to_string(message.size()) +
                               "-byte message");
    return message.substr(f.offset, f.len);
}

std::expected<void, std::string> check_av_pairs(std::string_view info) {
    std::size_t at = 0;
    while (true) {
        if (info.size() - at < 4) return std::unexpected("TargetInfo ends before MsvAvEOL");
        const auto id = le16(info, at);
        const auto len = le16(info, at + 2);
        at += 4;
        if (len > info.size() - at)
            return std::unexpected("AV_PAIR " + std::to_string(id) + " (length " + std::to_string(len) +
                                   ") runs past the end of TargetInfo");
        if (id == av_eol) {
            if (len != 0) return std::unexpected("MsvAvEOL has a non-zero length");
            return {};
        }
        if (id == av_flags && len != 4) return std::unexpected("MsvAvFlags is " + std::to_string(len) + " bytes, not 4");
        if (id == av_timestamp && len != 8)
            return std::unexpected("MsvAvTimestamp is " + std::to_string(len) + " bytes, not 8");
        const bool name = (id >= av_nb_computer_name && id <= av_dns_tree_name) || id == av_target_name;
        if (name && len % 2 != 0)
            return std::unexpected("AV_PAIR " + std::to_string(id) + " holds an odd number of bytes for a UTF-16 name");
        at += len;
    }
}

}  // namespace

bool is_ntlm_message(std::string_view token) noexcept { return token.starts_with(ntlm_signature); }

std::expected<void, std::string> check_ntlm_challenge(std::string_view message) {
    if (!is_ntlm_message(message)) return std::unexpected("it does not start with the NTLMSSP signature");
    if (message.size() < ntlm_challenge_header_size)
        return std::unexpected("it is " + std::to_string(message.size()) + " bytes, shorter than the " +
                               std::to_string(ntlm_challenge_header_size) + "-byte CHALLENGE header");
    if (const auto type = le32(message, 8); type != 2)
        return std::unexpected("its MessageType is " + std::to_string(type) + ", not 2 (CHALLENGE)");
    const auto flags = le32(message, 20);

    auto target_name = field_bytes(message, read_field(message, 12), "TargetName");
    if (!target_name) return std::unexpected(target_name.error());
    // gss-ntlmssp 1.2 dereferences NULL on an empty Unicode TargetName when a
    // target type is announced; the spec requires the name then anyway.
    if ((flags & (target_type_server | target_type_domain)) != 0 && target_name->empty())
        return std::unexpected("it announces a target type but its TargetName is empty");
    if ((flags & negotiate_unicode) != 0 && target_name->size() % 2 != 0)
        return std::unexpected("its Unicode TargetName has an odd length");

    auto target_info = field_bytes(message, read_field(message, 40), "TargetInfo");
    if (!target_info) return std::unexpected(target_info.error());
    if ((flags & negotiate_target_info) != 0 && target_info->empty())
        return std::unexpected("it announces TargetInfo but TargetInfo is empty");
    if (!target_info->empty())
        if (auto pairs = check_av_pairs(*target_info); !pairs) return std::unexpected(pairs.error());
    return {};
}

}  // namespace fleetmend::winrm
