// Durations and sizes as written in inventories and playbooks.
#include "orchestrator/config/quantities.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace std::chrono_literals;

TEST_CASE("durations: ms, s, m, h and combinations", "[config][unit]") {
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("10s") == 10s);
    CHECK(parse_duration("2m") == 2min);
    CHECK(parse_duration("1h") == 1h);
    CHECK(parse_duration("1m30s") == 90s);
    CHECK(parse_duration("0s") == 0ms);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("10"));       // a string needs a unit; integers are read as seconds elsewhere
    CHECK_FALSE(parse_duration("10 s"));
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration("1d"));
    CHECK_FALSE(parse_duration("99999999999999999999h"));
}

TEST_CASE("byte sizes: plain and with binary units", "[config][unit]") {
    CHECK(parse_byte_size("4096") == 4096u);
    CHECK(parse_byte_size("64KiB") == 64u * 1024);
    CHECK(parse_byte_size("1MiB") == 1024u * 1024);
    CHECK(parse_byte_size("2M") == 2u * 1024 * 1024);
    CHECK_FALSE(parse_byte_size("1 MiB"));
    CHECK_FALSE(parse_byte_size("MiB"));
    CHECK_FALSE(parse_byte_size("1TiB"));
}
