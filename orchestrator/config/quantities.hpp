#pragma once
/// Durations and byte sizes as people write them in configuration files.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fleetmend {

/// "500ms", "10s", "2m", "1h", or combinations such as "1m30s".
/// Empty, negative, unit-less or overflowing text gives nullopt.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept;

/// "4096", "64KiB", "1MiB", "2MB", "512K" (K/M/G are 1024-based, as for output caps).
[[nodiscard]] std::optional<std::uint64_t> parse_byte_size(std::string_view text) noexcept;

}  // namespace fleetmend
