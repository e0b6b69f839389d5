#pragma once
// The error an inventory that must not load is refused with, as the user
// reads it (file:line:column, key, what was expected).
#include "config_test_support.hpp"
#include "orchestrator/config/inventory.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace fleetmend::test {

inline std::string load_error(const temp_folder& dir, const std::string& text) {
    auto inv = load_inventory(dir.write("inv.toml", text));
    REQUIRE_FALSE(inv.has_value());
    return inv.error().to_string();
}

}  // namespace fleetmend::test
