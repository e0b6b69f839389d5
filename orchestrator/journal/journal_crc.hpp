#pragma once
// CRC-32 (IEEE) of a journal record's JSON text.
#include <boost/crc.hpp>

#include <cstdint>
#include <string_view>

namespace fleetmend {
[[nodiscard]] std::uint32_t journal_crc(std::string_view text);
}
