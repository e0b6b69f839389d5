#pragma once
/// What both scan parsers share: hosts gathered in export order, one entry
/// per host however many rows or ReportHost elements name it, findings
/// filtered by the wanted ids and bounded by scan_limits.
#include "orchestrator/config/scan_export.hpp"

#include <functional>
#include <unordered_map>

namespace fleetmend {

/// `text` cut to the limit's max_text_bytes (on a UTF-8 boundary).
[[nodiscard]] std::string bounded(std::string_view text, const scan_limits& limits);

/// Streams the file at `path` to `feed(piece, last)` in 64 KiB pieces (the
/// last call has last = true, its piece possibly empty) until feed returns
/// false. Errors name the file.
[[nodiscard]] std::expected<void, std::string> read_in_pieces(const std::string& path,
                                                             const std::function<bool(std::string_view, bool)>& feed);

class scan_host_list {
public:
    scan_host_list(const std::set<std::string>& wanted, const scan_limits& limits) : wanted_(wanted), limits_(limits) {}

    /// Counts the finding and keeps it if wanted and there is room.
    void add_finding(scan_host& host, scan_finding finding) const;
    /// Adds or merges a finished host (merged by name, else by address).
    /// False when there are too many hosts (error() says so).
    [[nodiscard]] bool add_host(scan_host host);
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    /// The hosts; with wanted ids, only those with a wanted finding.
    [[nodiscard]] std::vector<scan_host> take();

private:
    const std::set<std::string>& wanted_;
    const scan_limits& limits_;
    std::vector<scan_host> hosts_;
    std::vector<bool> matched_;  // has a wanted finding
    std::unordered_map<std::string, std::size_t> by_key_;
    std::string error_;
};

}  // namespace fleetmend
