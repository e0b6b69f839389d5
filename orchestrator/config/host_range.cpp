#include "orchestrator/config/host_range.hpp"

#include <cctype>
#include <charconv>

namespace fleetmend {
namespace {

// An inventory that expands to more than this is almost surely a typo
// ("[1:1000000]") and would only exhaust memory.
constexpr std::size_t max_expanded_hosts = 1'000'000;

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

bool single_letter(std::string_view s) { return s.size() == 1 && std::isalpha(static_cast<unsigned char>(s[0])); }

// "01:40" or "01:40:2" -> the values of one range.
std::expected<std::vector<std::string>, std::string> expand_one(std::string_view body) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= body.size(); ++i) {
        if (i == body.size() || body[i] == ':') {
            parts.push_back(body.substr(start, i - start));
            start = i + 1;
        }
    }
    if (parts.size() != 2 && parts.size() != 3)
        return std::unexpected("range [" + std::string(body) + "] must be [start:end] or [start:end:step]");
    unsigned long step = 1;
    if (parts.size() == 3) {
        const auto [p, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), step);
        if (ec != std::errc{} || p != parts[2].data() + parts[2].size() || step == 0)
            return std::unexpected("range [" + std::string(body) + "]: the step must be a positive whole number");
    }
    std::vector<std::string> out;
    if (all_digits(parts[0]) && all_digits(parts[1])) {
        unsigned long first = 0, last = 0;
        std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), first);
        std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), last);
        if (parts[0].size() > 9 || parts[1].size() > 9)
            return std::unexpected("range [" + std::string(body) + "] is too large");
        if (first > last)
            return std::unexpected("range [" + std::string(body) + "] starts after it ends");
        if ((last - first) / step + 1 > max_expanded_hosts)
            return std::unexpected("range [" + std::string(body) + "] gives more than a million hosts");
        // Zero padding follows the start ("01" -> two digits), as people write it.
        const std::size_t width = parts[0].size() > 1 && parts[0][0] == '0' ? parts[0].size() : 0;
        for (unsigned long v = first; v <= last; v += step) {
            std::string text = std::to_string(v);
            if (text.size() < width) text.insert(0, width - text.size(), '0');
            out.push_back(std::move(text));
        }
        return out;
    }
    if (single_letter(parts[0]) && single_letter(parts[1])) {
        const char first = parts[0][0], last = parts[1][0];
        if (std::isupper(static_cast<unsigned char>(first)) != std::isupper(static_cast<unsigned char>(last)))
            return std::unexpected("range [" + std::string(body) + "] mixes upper and lower case");
        if (first > last) return std::unexpected("range [" + std::string(body) + "] starts after it ends");
        for (int c = first; c <= last; c += static_cast<int>(step)) out.emplace_back(1, static_cast<char>(c));
        return out;
    }
    return std::unexpected("range [" + std::string(body) +
                           "] must be numbers ([01:40]) or single letters ([a:c])");
}

}  // namespace

std::expected<std::vector<std::string>, std::string> expand_host_range(std::string_view name) {
    const auto open = name.find('[');
    if (open == std::string_view::npos) {
        if (name.find(']') != std::string_view::npos)
            return std::unexpected("host name '" + std::string(name) + "' has ']' without '['");
        return std::vector<std::string>{std::string(name)};
    }
    const auto close = name.find(']', open);
    if (close == std::string_view::npos)
        return std::unexpected("host name '" + std::string(name) + "' has '[' without ']'");
    auto values = expand_one(name.substr(open + 1, close - open - 1));
    if (!values) return std::unexpected("host name '" + std::string(name) + "': " + values.error());
    auto tails = expand_host_range(name.substr(close + 1));
    if (!tails) return tails;
    if (values->size() * tails->size() > max_expanded_hosts)
        return std::unexpected("host name '" + std::string(name) + "' gives more than a million hosts");
    std::vector<std::string> out;
    out.reserve(values->size() * tails->size());
    const std::string_view head = name.substr(0, open);
    for (const auto& v : *values)
        for (const auto& t : *tails) out.push_back(std::string(head) + v + t);
    return out;
}

}  // namespace fleetmend
