#pragma once
/// Maintenance windows: "Sat 22:00-Sun 04:00", "Mon-Fri 20:00-23:30",
/// "22:00-04:00" (every day), several joined by commas, in the workstation's
/// local time or in the IANA time zone named last ("... Europe/Berlin",
/// "... UTC"). Evaluation is pure: it takes the time and a zone, so tests
/// inject both (DST edges included).
#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

using window_clock = std::chrono::system_clock;

/// A zone: the offset from UTC in force at an instant (DST included).
class time_zone_rules {
public:
    virtual ~time_zone_rules() = default;
    [[nodiscard]] virtual std::chrono::minutes offset_at(window_clock::time_point t) const = 0;
    [[nodiscard]] virtual std::string name() const = 0;
};

/// The zone named (IANA id such as "Europe/Berlin", or "UTC"), from ICU's
/// time zone data; empty name: the workstation's local zone (TZ,
/// /etc/localtime). Errors say the name is unknown.
[[nodiscard]] std::expected<std::shared_ptr<const time_zone_rules>, std::string> find_time_zone(const std::string& name);

struct maintenance_window {
    /// A span of the local week in minutes from Monday 00:00 (0 .. 10079);
    /// end < start wraps over the week's end; end == start is the whole week.
    struct span {
        int start = 0, end = 0;
    };
    std::string text;  // as written
    std::vector<span> spans;
    std::string zone;  // IANA name; empty: local time

    /// Open at local minute-of-week `minute`?
    [[nodiscard]] bool open_at_minute(int minute) const noexcept;
};

/// Parses a window; errors say what is wrong and show the accepted forms.
[[nodiscard]] std::expected<maintenance_window, std::string> parse_window(std::string_view text);

/// Whether the window is open at `t` in `zone`.
[[nodiscard]] bool window_open(const maintenance_window& window, const time_zone_rules& zone,
                               window_clock::time_point t);
/// The next instant at or after `t` when the window is open (`t` itself when
/// open now), to the minute; none if it never opens (no spans).
[[nodiscard]] std::optional<window_clock::time_point> next_opening(const maintenance_window& window,
                                                                   const time_zone_rules& zone,
                                                                   window_clock::time_point t);
/// When the window open at `t` closes (to the minute); none when it never
/// closes (the whole week) or is not open at `t`.
[[nodiscard]] std::optional<window_clock::time_point> next_closing(const maintenance_window& window,
                                                                   const time_zone_rules& zone,
                                                                   window_clock::time_point t);

/// "Sat 2026-12-05 22:00 CET (21:00 UTC)": a time as the admin reads it.
[[nodiscard]] std::string describe_local(const time_zone_rules& zone, window_clock::time_point t);

}  // namespace fleetmend
