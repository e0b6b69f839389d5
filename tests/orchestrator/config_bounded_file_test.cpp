// Every input file is read whole only when it is a regular file within its
// size limit: a FIFO, a folder or a device never blocks or floods a run.
#include "config_test_support.hpp"
#include "orchestrator/config/bounded_file.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/report/report.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace fleetmend;
using fleetmend::test::temp_folder;

TEST_CASE("bounded read: a regular file within its limit is read whole", "[config][unit]") {
    temp_folder dir;
    const auto path = dir.write("small.toml", "name = \"x\"\n");
    const auto read = read_bounded_file(path, 1024, "file");
    REQUIRE(read.has_value());
    CHECK(*read == "name = \"x\"\n");
}

TEST_CASE("bounded read: a file over its limit is refused with both sizes", "[config][unit]") {
    temp_folder dir;
    const auto path = dir.write("big.toml", std::string(5000, '#'));
    const auto read = read_bounded_file(path, 4096, "inventory");
    REQUIRE_FALSE(read.has_value());
    CHECK_THAT(read.error(), Catch::Contains("big.toml") && Catch::Contains("4 KiB") && Catch::Contains("inventory"));
}

TEST_CASE("bounded read: a FIFO, a folder or a device is refused without blocking", "[config][unit]") {
    temp_folder dir;
    const auto fifo = (dir.path() / "pipe").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (const auto& path : {fifo, dir.path().string(), std::string("/dev/zero")}) {
        CAPTURE(path);
        const auto read = read_bounded_file(path, max_config_bytes, "file");
        REQUIRE_FALSE(read.has_value());
        CHECK_THAT(read.error(), Catch::Contains("not a regular file") || Catch::Contains("Is a directory"));
    }
    // The loaders and readers go through it.
    const auto inventory = load_inventory(fifo);
    REQUIRE_FALSE(inventory.has_value());
    CHECK_THAT(inventory.error().to_string(), Catch::Contains("not a regular file"));
    CHECK_THAT(read_journal(fifo).error(), Catch::Contains("not a regular file"));
    CHECK_THAT(read_report_file(fifo).error(), Catch::Contains("not a regular file"));
}
