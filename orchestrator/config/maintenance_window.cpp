#include "orchestrator/config/maintenance_window.hpp"
#include "transports/encoding/ascii_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace fleetmend {
namespace {

constexpr int minutes_per_day = 24 * 60;
constexpr int minutes_per_week = 7 * minutes_per_day;
constexpr std::array<std::string_view, 7> day_names{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

const char* const accepted_forms =
    "write e.g. \"Sat 22:00-Sun 04:00\", \"Mon-Fri 20:00-23:30\" or \"22:00-04:00\" (every day), several "
    "joined by commas, optionally followed by a time zone such as Europe/Berlin or UTC";

using encoding::lower;
using encoding::trim;

std::optional<int> day_index(std::string_view word) {
    const std::string l = lower(word);
    for (std::size_t i = 0; i < day_names.size(); ++i)
        if (l.size() >= 3 && std::string_view(l).substr(0, 3) == day_names[i]) {
            // "sat", "saturday"; nothing else that starts with the same letters
            static constexpr std::array<std::string_view, 7> full{"monday", "tuesday", "wednesday", "thursday",
                                                                  "friday", "saturday", "sunday"};
            if (l == day_names[i] || l == full[i]) return static_cast<int>(i);
        }
    return std::nullopt;
}

std::optional<int> clock_minutes(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) return std::nullopt;
    int h = 0, m = 0;
    for (char c : text.substr(0, colon)) {
        if (c < '0' || c > '9') return std::nullopt;
        h = h * 10 + (c - '0');
    }
    for (char c : text.substr(colon + 1)) {
        if (c < '0' || c > '9') return std::nullopt;
        m = m * 10 + (c - '0');
    }
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
}

/// "Sat 22:00" / "22:00" -> (day or none, minutes).
struct point {
    std::optional<int> day;
    std::optional<std::pair<int, int>> days;  // "Mon-Fri"
    int minutes = 0;
};

std::expected<point, std::string> read_point(std::string_view text, bool allow_range) {
    text = trim(text);
    point p;
    const auto space = text.find_first_of(" \t");
    std::string_view clock = text;
    if (space != std::string_view::npos) {
        const std::string_view days = text.substr(0, space);
        clock = trim(text.substr(space));
        const auto dash = days.find('-');
        if (dash != std::string_view::npos && allow_range) {
            const auto a = day_index(days.substr(0, dash)), b = day_index(days.substr(dash + 1));
            if (!a || !b) return std::unexpected("'" + std::string(days) + "' is not a day range such as Mon-Fri");
            p.days = std::pair{*a, *b};
        } else {
            p.day = day_index(days);
            if (!p.day) return std::unexpected("'" + std::string(days) + "' is not a day (Mon, Tue, ..., Sun)");
        }
    }
    const auto minutes = clock_minutes(clock);
    if (!minutes) return std::unexpected("'" + std::string(clock) + "' is not a time of day such as 22:00");
    p.minutes = *minutes;
    return p;
}

int wrap(int minute) { return ((minute % minutes_per_week) + minutes_per_week) % minutes_per_week; }

std::expected<void, std::string> read_one(std::string_view text, maintenance_window& window) {
    // The '-' between the two ends is the one followed by a day or a digit
    // after a time: find the dash after the first "HH:MM".
    const auto colon = text.find(':');
    const auto dash = colon == std::string_view::npos ? std::string_view::npos : text.find('-', colon);
    if (dash == std::string_view::npos) return std::unexpected("'" + std::string(text) + "' has no start-end");
    auto from = read_point(text.substr(0, dash), true);
    if (!from) return std::unexpected(from.error());
    auto to = read_point(text.substr(dash + 1), false);
    if (!to) return std::unexpected(to.error());
    if (from->days && to->day) return std::unexpected("a day range (" + std::string(trim(text.substr(0, dash))) +
                                                      ") takes a time of day as its end, such as Mon-Fri 20:00-23:00");
    if (from->day && to->day) {
        // One weekly span: "Sat 22:00-Sun 04:00".
        window.spans.push_back({*from->day * minutes_per_day + from->minutes, wrap(*to->day * minutes_per_day + to->minutes)});
        if (window.spans.back().start == window.spans.back().end)
            return std::unexpected("'" + std::string(text) + "' starts where it ends");
        return {};
    }
    if (!from->day && to->day) return std::unexpected("give the start's day too, e.g. Sat 22:00-Sun 04:00");
    if (from->minutes == to->minutes) return std::unexpected("'" + std::string(text) + "' starts where it ends");
    // A daily span on some days; an end at or before the start is the next day.
    std::vector<int> days;
    if (from->day) days.push_back(*from->day);
    else if (from->days)
        for (int d = from->days->first;; d = (d + 1) % 7) {
            days.push_back(d);
            if (d == from->days->second) break;
        }
    else
        for (int d = 0; d < 7; ++d) days.push_back(d);
    const int length = ((to->minutes - from->minutes) + minutes_per_day) % minutes_per_day;
    for (int d : days) {
        const int start = d * minutes_per_day + from->minutes;
        window.spans.push_back({wrap(start), wrap(start + length)});
    }
    return {};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// Local minute of the week (Monday 00:00 = 0) at `t`.
int local_minute_of_week(const time_zone_rules& zone, window_clock::time_point t) {
    const auto local = std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()) + zone.offset_at(t);
    const std::int64_t minutes = local.count();
    const std::int64_t day = floor_div(minutes, minutes_per_day);
    const int weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday (3)
    const int minute_of_day = static_cast<int>(minutes - day * minutes_per_day);
    return weekday * minutes_per_day + minute_of_day;
}

/// Scans forward minute by minute (at most two weeks of minutes: cheap, and
/// right across DST changes without solving local times back to UTC).
std::optional<window_clock::time_point> first_minute(const maintenance_window& w, const time_zone_rules& zone,
                                                     window_clock::time_point t, bool want_open) {
    auto at = std::chrono::ceil<std::chrono::minutes>(t);
    for (int i = 0; i <= 2 * minutes_per_week; ++i, at += std::chrono::minutes(1))
        if (w.open_at_minute(local_minute_of_week(zone, at)) == want_open) return at;
    return std::nullopt;
}

}  // namespace

bool maintenance_window::open_at_minute(int minute) const noexcept {
    for (const auto& s : spans) {
        if (s.start == s.end) return true;
        if (s.start < s.end ? (minute >= s.start && minute < s.end) : (minute >= s.start || minute < s.end))
            return true;
    }
    return false;
}

std::expected<maintenance_window, std::string> parse_window(std::string_view text) {
    maintenance_window window;
    window.text = std::string(trim(text));
    std::string_view rest = window.text;
    // A zone is the last word when it has no ':' (times do) and is no day.
    if (const auto space = rest.find_last_of(" \t"); space != std::string_view::npos) {
        const std::string_view last = rest.substr(space + 1);
        if (last.find(':') == std::string_view::npos && !day_index(last) && last.find(',') == std::string_view::npos) {
            window.zone = std::string(last);
            rest = trim(rest.substr(0, space));
        }
    }
    if (rest.empty()) return std::unexpected("window \"" + window.text + "\": empty; " + accepted_forms);
    while (!rest.empty()) {
        const auto comma = std::min(rest.find(','), rest.size());
        const auto one = trim(rest.substr(0, comma));
        rest = comma < rest.size() ? rest.substr(comma + 1) : std::string_view{};
        if (one.empty()) continue;
        if (auto read = read_one(one, window); !read)
            return std::unexpected("window \"" + window.text + "\": " + read.error() + "; " + accepted_forms);
    }
    if (window.spans.empty()) return std::unexpected("window \"" + window.text + "\": no span; " + accepted_forms);
    return window;
}

bool window_open(const maintenance_window& window, const time_zone_rules& zone, window_clock::time_point t) {
    return window.open_at_minute(local_minute_of_week(zone, t));
}

std::optional<window_clock::time_point> next_opening(const maintenance_window& window, const time_zone_rules& zone,
                                                     window_clock::time_point t) {
    if (window_open(window, zone, t)) return t;
    return first_minute(window, zone, t, true);
}

std::optional<window_clock::time_point> next_closing(const maintenance_window& window, const time_zone_rules& zone,
                                                     window_clock::time_point t) {
    if (!window_open(window, zone, t)) return std::nullopt;
    return first_minute(window, zone, t, false);
}

std::string describe_local(const time_zone_rules& zone, window_clock::time_point t) {
    const auto offset = zone.offset_at(t);
    const auto local = std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()) + offset;
    const std::chrono::sys_days day{std::chrono::days{floor_div(local.count(), minutes_per_day)}};
    const std::chrono::year_month_day ymd{day};
    const int minute_of_day = static_cast<int>(local.count() - floor_div(local.count(), minutes_per_day) * minutes_per_day);
    static constexpr std::array<const char*, 7> names{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    const int weekday = static_cast<int>(((floor_div(local.count(), minutes_per_day) + 3) % 7 + 7) % 7);
    const auto utc = std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count();
    const int utc_minute = static_cast<int>(utc - floor_div(utc, minutes_per_day) * minutes_per_day);
    char text[128];
    const int off = static_cast<int>(offset.count());
    std::snprintf(text, sizeof text, "%s %04d-%02u-%02u %02d:%02d %s (UTC%c%02d:%02d, %02d:%02d UTC)", names[weekday],
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  minute_of_day / 60, minute_of_day % 60, zone.name().c_str(), off < 0 ? '-' : '+', std::abs(off) / 60,
                  std::abs(off) % 60, utc_minute / 60, utc_minute % 60);
    return text;
}

}  // namespace fleetmend
