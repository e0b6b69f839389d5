#include "transports/winrm/auth_challenge.hpp"

#include <cctype>

namespace fleetmend::winrm {
namespace {

bool iequals_prefix(std::string_view text, std::string_view word) {
    if (text.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(word[i])))
            return false;
    return true;
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
            return std::string(token);
        }
        auto next = header.find(',');
        if (next == std::string_view::npos) break;
        header.remove_prefix(next + 1);
    }
    return {};
}

}  // namespace fleetmend::winrm
