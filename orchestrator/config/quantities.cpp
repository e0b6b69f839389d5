#include "orchestrator/config/quantities.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace fleetmend {
namespace {

// Reads leading digits; nullopt if there are none or they overflow.
std::optional<std::uint64_t> take_number(std::string_view& text) noexcept {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return value;
}

std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) noexcept {
    if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) return std::nullopt;
    return a * b;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
    using namespace std::string_view_literals;
    // Longest unit first so that "ms" is not read as "m" followed by "s".
    static constexpr std::array units{
        std::pair{"ms"sv, std::uint64_t{1}},        std::pair{"s"sv, std::uint64_t{1000}},
        std::pair{"m"sv, std::uint64_t{60'000}},    std::pair{"h"sv, std::uint64_t{3'600'000}},
    };
    if (text.empty()) return std::nullopt;
    std::uint64_t total = 0;
    while (!text.empty()) {
        const auto number = take_number(text);
        if (!number) return std::nullopt;
        std::optional<std::uint64_t> scale;
        for (const auto& [unit, ms] : units) {
            if (text.starts_with(unit)) {
                scale = ms;
                text.remove_prefix(unit.size());
                break;
            }
        }
        if (!scale) return std::nullopt;
        const auto part = checked_multiply(*number, *scale);
        if (!part || *part > std::numeric_limits<std::int64_t>::max() - total) return std::nullopt;
        total += *part;
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(total)};
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) noexcept {
    using namespace std::string_view_literals;
    static constexpr std::array units{
        std::pair{"KiB"sv, std::uint64_t{1} << 10}, std::pair{"MiB"sv, std::uint64_t{1} << 20},
        std::pair{"GiB"sv, std::uint64_t{1} << 30}, std::pair{"KB"sv, std::uint64_t{1} << 10},
        std::pair{"MB"sv, std::uint64_t{1} << 20},  std::pair{"GB"sv, std::uint64_t{1} << 30},
        std::pair{"K"sv, std::uint64_t{1} << 10},   std::pair{"M"sv, std::uint64_t{1} << 20},
        std::pair{"G"sv, std::uint64_t{1} << 30},   std::pair{"B"sv, std::uint64_t{1}},
    };
    const auto number = take_number(text);
    if (!number) return std::nullopt;
    if (text.empty()) return number;
    for (const auto& [unit, scale] : units)
        if (text == unit) return checked_multiply(*number, scale);
    return std::nullopt;
}

}  // namespace fleetmend
