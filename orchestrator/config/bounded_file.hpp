#pragma once
/// Reading a whole input file (inventory, playbook, journal, report, secret
/// file) with the two checks every such read needs: it must be a regular
/// file (not a FIFO that blocks forever, a device that never ends, or a
/// folder), and no larger than a limit that names the kind of file.
#include <cstdint>
#include <expected>
#include <string>

namespace fleetmend {

/// Size limits per kind of input (far above what a real one holds).
inline constexpr std::uint64_t max_config_bytes = 64ull << 20;    // inventory, playbook
inline constexpr std::uint64_t max_journal_bytes = 4ull << 30;    // a journal (10,000 hosts is ~100 MB)
inline constexpr std::uint64_t max_report_bytes = 2ull << 30;     // a report
inline constexpr std::uint64_t max_secret_bytes = 64ull << 10;    // a password file

/// The file's bytes, or an error naming the path and what is wrong with it
/// ("is not a regular file", "is 3 GiB, more than the 64 MiB a ... may be").
[[nodiscard]] std::expected<std::string, std::string> read_bounded_file(const std::string& path,
                                                                        std::uint64_t max_bytes, const char* what);

}  // namespace fleetmend
