#pragma once
/// Host name ranges as inventories write them: "web[01:40].dc1" gives web01
/// .. web40 (the start's zero padding is kept), "rack[a:c]" gives racka ..
/// rackc, "[1:9:2]" steps by 2, and several ranges multiply.
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

/// Expands every range in `name`; a name without brackets is returned as is.
/// The error says what is wrong with the range (e.g. start after end).
[[nodiscard]] std::expected<std::vector<std::string>, std::string> expand_host_range(std::string_view name);

}  // namespace fleetmend
