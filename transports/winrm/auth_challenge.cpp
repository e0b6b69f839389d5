#include "transports/winrm/auth_challenge.hpp"

#include "transports/encoding/base64.hpp"
#include "transports/winrm/ntlm_challenge.hpp"
#include "transports/winrm/spnego_token.hpp"

#include <cctype>
#include <optional>

namespace fleetmend::winrm {
namespace {

bool iequals_prefix(std::string_view text, std::string_view word) {
    if (text.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(word[i])))
            return false;
    return true;
}

// The NTLM message a token carries: the token itself, or the responseToken of
// an SPNEGO answer (Negotiate as Windows offers it wraps the CHALLENGE).
std::optional<std::string_view> ntlm_inside(std::string_view bytes) {
    if (is_ntlm_message(bytes)) return bytes;
    if (auto inner = spnego_response_token(bytes); inner && is_ntlm_message(*inner)) return inner;
    return std::nullopt;
}

std::string malformed_ntlm(std::string_view what) {
    return "the host sent a malformed NTLM challenge: " + std::string(what) +
           "; it is not a Windows WinRM endpoint or the connection is tampered with";
}

// The token as found, or the refusal mark and reason when it carries a
// malformed NTLM CHALLENGE. Tokens that are not base64 stay as they are:
// every caller already refuses them when decoding.
std::string checked(std::string_view token) {
    auto bytes = encoding::base64_decode(token);
    if (!bytes) return std::string(token);
    if (auto ntlm = ntlm_inside(*bytes))
        if (auto ok = check_ntlm_challenge(*ntlm); !ok) return refused_challenge_mark + ok.error();
    return std::string(token);
}

}  // namespace

std::string challenge_token(std::string_view header, std::string_view scheme) {
    if (scheme.empty()) return {};
    while (!header.empty()) {
        auto start = header.find_first_not_of(" ,");
        if (start == std::string_view::npos) break;
        header.remove_prefix(start);
        if (iequals_prefix(header, scheme) && header.size() > scheme.size() && header[scheme.size()] == ' ') {
            auto token = header.substr(scheme.size() + 1);
            token = token.substr(0, token.find_first_of(" ,"));
            // An oversized token is refused here, before base64 or GSSAPI see it.
            if (token.size() > max_challenge_token) return {};
            return checked(token);
        }
        auto next = header.find(',');
        if (next == std::string_view::npos) break;
        header.remove_prefix(next + 1);
    }
    return {};
}

std::expected<std::string, std::string> decode_challenge(std::string_view token) {
    if (token.starts_with(refused_challenge_mark)) return std::unexpected(malformed_ntlm(token.substr(1)));
    auto bytes = encoding::base64_decode(token);
    if (!bytes) return std::unexpected("the host sent an authentication token that is not base64");
    if (auto ntlm = ntlm_inside(*bytes))
        if (auto ok = check_ntlm_challenge(*ntlm); !ok) return std::unexpected(malformed_ntlm(ok.error()));
    return std::move(*bytes);
}

}  // namespace fleetmend::winrm
