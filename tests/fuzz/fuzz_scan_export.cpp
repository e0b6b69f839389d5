// parse_nessus and parse_scan_csv on hostile scan exports: malformed XML,
// DOCTYPEs and entities, broken CSV quoting must be errors, never a crash, a
// hang or unbounded memory. The first byte picks the parser.
#include "orchestrator/config/scan_export.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    fleetmend::scan_limits limits;
    limits.max_hosts = 1000;
    limits.max_csv_field_bytes = 1u << 16;
    const std::set<std::string> wanted = (data[0] & 2) ? std::set<std::string>{"900001"} : std::set<std::string>{};
    if (data[0] & 1) (void)fleetmend::parse_scan_csv(text, "fuzz.csv", wanted, limits);
    else (void)fleetmend::parse_nessus(text, "fuzz.nessus", wanted, limits);
    return 0;
}
