// One wording of time budgets for the SSH, WinRM and probe messages.
#include "transports/net/duration_text.hpp"

#include <catch2/catch.hpp>

using fleetmend::net::duration_text;
using namespace std::chrono_literals;

TEST_CASE("a budget reads in milliseconds under a second, else in seconds to a tenth", "[net][unit]") {
    CHECK(duration_text(250ms) == "250 ms");
    CHECK(duration_text(0ms) == "0 ms");
    CHECK(duration_text(-5ms) == "0 ms");
    CHECK(duration_text(2000ms) == "2 s");
    CHECK(duration_text(1500ms) == "1.5 s");
    CHECK(duration_text(120s) == "120 s");
}

TEST_CASE("a budget taken as deadline minus now reads as the figure the user set", "[net][unit]") {
    CHECK(duration_text(1999ms) == "2 s");
    CHECK(duration_text(1999999us) == "2 s");
    CHECK(duration_text(999ms + 700us) == "1 s");
}
