#pragma once
/// A time budget in the words of a connect or timeout message, the same for
/// every transport: "250 ms" under a second, else seconds to a tenth
/// ("2 s", "1.5 s"). A budget computed as deadline minus now (1,999 ms) reads
/// as the whole figure the user set.
#include <chrono>
#include <string>

namespace fleetmend::net {

[[nodiscard]] inline std::string duration_text(std::chrono::nanoseconds d) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(d + microseconds(500)).count();  // to the nearest ms
    if (ms < 1000) return std::to_string(ms < 0 ? 0 : ms) + " ms";
    const auto tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : std::string()) + " s";
}

}  // namespace fleetmend::net
