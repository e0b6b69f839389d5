#include "orchestrator/engine/expectation_evidence.hpp"

#include <boost/regex.hpp>

#include <string_view>
#include <vector>

namespace fleetmend {
namespace {

constexpr std::size_t max_line_bytes = 200;

std::vector<std::string_view> non_empty_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        if (!line.empty()) lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

std::string bounded(std::string_view line) {
    if (line.size() <= max_line_bytes) return std::string(line);
    std::size_t end = max_line_bytes;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    return std::string(line.substr(0, end)) + "...";
}

}  // namespace

std::string line_meant_to_match(const std::string& text, const std::string& pattern_text) {
    const auto lines = non_empty_lines(text);
    if (lines.empty()) return {};
    // Shorten the pattern from its end until a prefix that still compiles
    // matches some line; a prefix of three bytes or fewer says too little.
    // No library offers "longest matching prefix" of a regex; this is
    // hand-written and bounded: patterns are short and excerpts a few KB.
    for (std::size_t length = pattern_text.size(); length > 3; --length) {
        boost::regex prefix;
        try {
            prefix.assign(pattern_text.substr(0, length), boost::regex::perl | boost::regex::no_mod_s);
        } catch (const boost::regex_error&) {
            continue;  // cut inside a group or escape: not a pattern on its own
        }
        for (const auto line : lines) {
            try {
                if (boost::regex_search(line.begin(), line.end(), prefix)) return bounded(line);
            } catch (const std::runtime_error&) {
                break;  // boost's complexity limit: try a shorter prefix
            }
        }
    }
    return bounded(lines.back());
}

std::string last_line(const std::string& text) {
    const auto lines = non_empty_lines(text);
    return lines.empty() ? std::string() : bounded(lines.back());
}

}  // namespace fleetmend
