#include "orchestrator/config/scan_export.hpp"

#include <algorithm>
#include <cctype>

namespace fleetmend {
namespace {

bool ends_with_nocase(std::string_view text, std::string_view suffix) {
    if (text.size() < suffix.size()) return false;
    return std::ranges::equal(text.substr(text.size() - suffix.size()), suffix, [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
}

bool is_scan_file(std::string_view path) { return ends_with_nocase(path, ".nessus") || ends_with_nocase(path, ".csv"); }

}  // namespace

std::expected<std::optional<scan_limit>, std::string> parse_scan_limit(std::string_view limit) {
    if (!limit.starts_with('@')) return std::optional<scan_limit>{};
    const std::string_view rest = limit.substr(1);
    scan_limit result;
    std::string_view ids;
    if (is_scan_file(rest)) {
        result.path = rest;
    } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos && is_scan_file(rest.substr(0, colon))) {
        result.path = rest.substr(0, colon);
        ids = rest.substr(colon + 1);
        if (ids.empty())
            return std::unexpected("--limit " + std::string(limit) + ": no finding id after ':'; write e.g. @" +
                                   result.path + ":10884 or leave out ':' for every host of the scan");
    } else {
        return std::optional<scan_limit>{};
    }
    while (!ids.empty()) {
        const auto comma = std::min(ids.find(','), ids.size());
        const std::string_view id = ids.substr(0, comma);
        ids.remove_prefix(std::min(comma + 1, ids.size()));
        if (id.empty() || !std::ranges::all_of(id, [](char c) { return c >= '0' && c <= '9'; }))
            return std::unexpected("--limit " + std::string(limit) + ": '" + std::string(id) +
                                   "' is not a finding id; Nessus plugin ids and Qualys QIDs are numbers, "
                                   "comma-separated (e.g. :10884,12345)");
        result.wanted.emplace(id);
    }
    return std::optional<scan_limit>{std::move(result)};
}

std::expected<scan_export, std::string> read_scan_export(const scan_limit& limit, const scan_limits& limits) {
    if (ends_with_nocase(limit.path, ".nessus")) return read_nessus_file(limit.path, limit.wanted, limits);
    return read_scan_csv_file(limit.path, limit.wanted, limits);
}

}  // namespace fleetmend
