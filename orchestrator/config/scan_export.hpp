#pragma once
/// Vulnerability scan exports read as targets (`--limit @scan.nessus[:ID,...]`,
/// `--limit @scan.csv`): the hosts a scanner reported and, per host, the
/// findings (plugin or QID) that brought it. Parsing is pure and bounded:
/// only names, addresses and finding ids are kept, never the long texts.
#include <cstddef>
#include <expected>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

struct scan_finding {
    std::string id;    // Nessus pluginID, Qualys QID
    std::string name;  // pluginName / Title (bounded)
    friend bool operator==(const scan_finding&, const scan_finding&) = default;
};

struct scan_host {
    std::string name;  // Nessus ReportHost name, CSV Host / IP column
    std::string ip;    // host-ip tag, or the CSV IP column
    std::string fqdn;  // host-fqdn tag, or the CSV DNS/FQDN column
    std::vector<scan_finding> findings;  // the kept ones (see scan_limits)
    std::size_t findings_total = 0;      // every finding the export listed for the host
};

struct scan_export {
    std::string path;
    std::vector<scan_host> hosts;  // in the order the export lists them, one entry per host
};

/// What a parser keeps, so a hostile or huge export cannot exhaust memory.
struct scan_limits {
    std::size_t max_hosts = 1'000'000;
    std::size_t max_findings_per_host = 64;  // kept (all of them are counted)
    std::size_t max_text_bytes = 1024;       // a name, address or title; longer ones are cut
    std::size_t max_csv_field_bytes = 8u << 20;  // one CSV field (Plugin Output can be long)
};

/// "@scan.nessus:10884,12345" -> path and plugin ids. `wanted` empty: every
/// finding. Only for names ending .nessus/.csv (case-insensitive) before the
/// optional ":IDS"; none otherwise.
struct scan_limit {
    std::string path;
    std::set<std::string> wanted;
};
[[nodiscard]] std::expected<std::optional<scan_limit>, std::string> parse_scan_limit(std::string_view limit);

/// A Nessus v2 export (NessusClientData_v2), read as a stream (a 200 MB
/// export needs no more memory than what is kept). A DOCTYPE, and with it any
/// entity or external reference, is refused. With `wanted` not empty only
/// those findings are kept and hosts without any are left out.
[[nodiscard]] std::expected<scan_export, std::string> read_nessus_file(const std::string& path,
                                                                      const std::set<std::string>& wanted,
                                                                      const scan_limits& limits = {});
/// The same from text in memory (tests, fuzzing); `source` names it in errors.
[[nodiscard]] std::expected<scan_export, std::string> parse_nessus(std::string_view text, std::string_view source,
                                                                  const std::set<std::string>& wanted,
                                                                  const scan_limits& limits = {});

/// A Nessus or Qualys style CSV: one row per finding, a header row naming a
/// host column (Host, IP, IP Address, DNS, FQDN, NetBIOS) and optionally a
/// finding id (Plugin ID, QID) and title (Name, Title). Report preambles
/// before the header (Qualys) are skipped; a UTF-8 BOM and CRLF are fine.
[[nodiscard]] std::expected<scan_export, std::string> read_scan_csv_file(const std::string& path,
                                                                        const std::set<std::string>& wanted,
                                                                        const scan_limits& limits = {});
[[nodiscard]] std::expected<scan_export, std::string> parse_scan_csv(std::string_view text, std::string_view source,
                                                                    const std::set<std::string>& wanted,
                                                                    const scan_limits& limits = {});

/// Reads a scan export by its file name's ending (.nessus or .csv).
[[nodiscard]] std::expected<scan_export, std::string> read_scan_export(const scan_limit& limit,
                                                                      const scan_limits& limits = {});

}  // namespace fleetmend
