// Maintenance windows: the syntax, open/closed and the next opening and
// closing at given instants (an injected clock), in a fixed zone and in
// Europe/Berlin across both DST changes of 2026.
#include "orchestrator/config/maintenance_window.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace std::chrono;

namespace {

/// A zone without DST, for the logic alone.
class fixed_zone final : public time_zone_rules {
public:
    explicit fixed_zone(minutes offset) : offset_(offset) {}
    minutes offset_at(window_clock::time_point) const override { return offset_; }
    std::string name() const override { return "fixed"; }

private:
    minutes offset_;
};

window_clock::time_point utc(year_month_day day, hours h, minutes m = minutes{0}) {
    return sys_days{day} + h + m;
}

maintenance_window parsed(const std::string& text) {
    auto w = parse_window(text);
    INFO(text);
    REQUIRE(w.has_value());
    return *w;
}

std::shared_ptr<const time_zone_rules> berlin() {
    auto zone = find_time_zone("Europe/Berlin");
    REQUIRE(zone.has_value());
    return *zone;
}

}  // namespace

TEST_CASE("window syntax: weekly spans, daily spans, day ranges, several, a zone", "[config][window]") {
    const auto weekend = parsed("Sat 22:00-Sun 04:00");
    REQUIRE(weekend.spans.size() == 1);
    CHECK(weekend.spans[0].start == 5 * 1440 + 22 * 60);
    CHECK(weekend.spans[0].end == 6 * 1440 + 4 * 60);
    CHECK(weekend.zone.empty());
    CHECK(parsed("22:00-04:00").spans.size() == 7);
    CHECK(parsed("Mon-Fri 20:00-23:30").spans.size() == 5);
    CHECK(parsed("Fri-Mon 23:00-01:00").spans.size() == 4);
    CHECK(parsed("Sat 22:00-Sun 04:00, Wed 01:00-03:00").spans.size() == 2);
    const auto zoned = parsed("Saturday 22:00-Sunday 04:00 Europe/Berlin");
    CHECK(zoned.zone == "Europe/Berlin");
    CHECK(parsed("Sun 20:00-Mon 02:00 UTC").zone == "UTC");
}

TEST_CASE("window syntax errors say what is wrong and show the accepted forms", "[config][window]") {
    for (const char* bad : {"Sat 25:00-Sun 04:00", "Funday 22:00-Sun 04:00", "22:00", "", "Mon-Fri 20:00-Sat 01:00",
                            "22:00-Sun 04:00", "Sat 22:00-Sat 22:00", "10:00-10:00", "Sat 22-Sun 4"}) {
        INFO(bad);
        auto w = parse_window(bad);
        REQUIRE_FALSE(w.has_value());
        CHECK_THAT(w.error(), Catch::Contains("write e.g. \"Sat 22:00-Sun 04:00\""));
    }
    CHECK_THAT(parse_window("Sat 25:00-Sun 04:00").error(), Catch::Contains("'25:00' is not a time of day"));
    CHECK_THAT(parse_window("Funday 22:00-Sun 04:00").error(), Catch::Contains("'Funday' is not a day"));
}

TEST_CASE("a weekend window in a fixed zone: open, closed, next opening and closing", "[config][window]") {
    const fixed_zone zone(hours{0});
    const auto w = parsed("Sat 22:00-Sun 04:00");
    const auto saturday = 2026y / December / 5;  // a Saturday
    const auto sunday = 2026y / December / 6;
    CHECK_FALSE(window_open(w, zone, utc(saturday, 21h, 59min)));
    CHECK(window_open(w, zone, utc(saturday, 22h)));
    CHECK(window_open(w, zone, utc(sunday, 3h, 59min)));
    CHECK_FALSE(window_open(w, zone, utc(sunday, 4h)));
    CHECK(next_opening(w, zone, utc(sunday, 5h)) == utc(2026y / December / 12, 22h));
    CHECK(next_opening(w, zone, utc(saturday, 23h)) == utc(saturday, 23h));  // open now: now
    CHECK(next_closing(w, zone, utc(saturday, 23h)) == utc(sunday, 4h));
    CHECK(next_closing(w, zone, utc(sunday, 5h)) == std::nullopt);
    // seconds into a minute: the opening is the next whole minute
    CHECK(next_opening(w, zone, utc(saturday, 21h, 59min) + seconds{30}) == utc(saturday, 22h));
}

TEST_CASE("local time is the zone's: the same window opens at another UTC instant", "[config][window]") {
    const fixed_zone plus_two(hours{2});
    const auto w = parsed("Sat 22:00-Sun 04:00");
    const auto saturday = 2026y / December / 5;
    CHECK(window_open(w, plus_two, utc(saturday, 20h)));  // 22:00 at UTC+2
    CHECK_FALSE(window_open(w, plus_two, utc(saturday, 19h, 59min)));
    CHECK(next_closing(w, plus_two, utc(saturday, 20h)) == utc(2026y / December / 6, 2h));
}

TEST_CASE("a daily window across midnight, and day ranges that wrap over the week", "[config][window]") {
    const fixed_zone zone(hours{0});
    const auto nightly = parsed("22:00-04:00");
    CHECK(window_open(nightly, zone, utc(2026y / December / 2, 1h)));  // a Wednesday
    CHECK_FALSE(window_open(nightly, zone, utc(2026y / December / 2, 12h)));
    const auto long_weekend = parsed("Fri-Mon 23:00-01:00");
    CHECK(window_open(long_weekend, zone, utc(2026y / December / 8, 0h, 30min)));  // Tue 00:30: Monday's night
    CHECK_FALSE(window_open(long_weekend, zone, utc(2026y / December / 9, 0h, 30min)));  // Wed 00:30
}

TEST_CASE("Europe/Berlin spring forward: a window over the missing hour opens at 03:00 CEST", "[config][window]") {
    const auto zone = berlin();
    const auto w = parsed("Sun 02:00-Sun 04:00 Europe/Berlin");
    // 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST; 02:00-03:00 local never happens.
    const auto opens = next_opening(w, *zone, utc(2026y / March / 28, 12h));
    REQUIRE(opens.has_value());
    CHECK(*opens == utc(2026y / March / 29, 1h));
    CHECK(next_closing(w, *zone, *opens) == utc(2026y / March / 29, 2h));  // 04:00 CEST
    CHECK_FALSE(window_open(w, *zone, utc(2026y / March / 29, 0h, 59min)));  // 01:59 CET
}

TEST_CASE("Europe/Berlin fall back: a window over the repeated hour stays open through both", "[config][window]") {
    const auto zone = berlin();
    const auto w = parsed("Sun 02:00-Sun 03:00 Europe/Berlin");
    // 2026-10-25 01:00 UTC: 03:00 CEST becomes 02:00 CET; 02:00-03:00 local happens twice.
    CHECK_FALSE(window_open(w, *zone, utc(2026y / October / 24, 23h, 59min)));  // 01:59 CEST
    CHECK(window_open(w, *zone, utc(2026y / October / 25, 0h, 30min)));  // 02:30 CEST
    CHECK(window_open(w, *zone, utc(2026y / October / 25, 1h, 30min)));  // 02:30 CET
    CHECK(next_closing(w, *zone, utc(2026y / October / 25, 0h, 30min)) == utc(2026y / October / 25, 2h));
    CHECK(describe_local(*zone, utc(2026y / October / 25, 1h, 30min)) ==
          "Sun 2026-10-25 02:30 Europe/Berlin (UTC+01:00, 01:30 UTC)");
}

TEST_CASE("an unknown time zone is an error naming it", "[config][window]") {
    auto zone = find_time_zone("Mars/Olympus_Mons");
    REQUIRE_FALSE(zone.has_value());
    CHECK_THAT(zone.error(), Catch::Contains("\"Mars/Olympus_Mons\" is unknown"));
    CHECK(find_time_zone("").has_value());  // the workstation's own
    CHECK(find_time_zone("UTC").has_value());
}
