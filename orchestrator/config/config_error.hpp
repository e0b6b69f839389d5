#pragma once
/// Where a configuration problem is and what was expected there.
#include <string>

namespace fleetmend {

struct config_error {
    std::string file;
    int line = 0;    // 1-based; 0 when the problem has no single place
    int column = 0;
    std::string key;      // dotted path of the offending key, e.g. "groups.web.hosts"
    std::string message;  // what is wrong and what was expected

    /// "file:line:column: key: message" (parts that are unknown are left out).
    [[nodiscard]] std::string to_string() const;
};

}  // namespace fleetmend
