#pragma once
/// ASCII case folding and trimming for the keywords fleetmend reads (ssh
/// config keys, time zone and day names, Windows command words in the lab):
/// those are ASCII by definition, so no locale is involved.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace fleetmend::encoding {

/// `text` with A-Z folded to a-z; other bytes as they are.
[[nodiscard]] inline std::string lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// `text` without leading and trailing white space (space, tab, CR, LF, VT, FF).
[[nodiscard]] inline std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

}  // namespace fleetmend::encoding
