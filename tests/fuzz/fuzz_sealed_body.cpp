// parse_sealed_body on a hostile multipart body; what parses must frame back
// to something that parses to the same message.
#include "transports/winrm/sealed_body.hpp"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = fleetmend::winrm::parse_sealed_body(body);
    if (!parsed) return 0;
    auto again = fleetmend::winrm::parse_sealed_body(fleetmend::winrm::frame_sealed_body(*parsed));
    if (!again || again->header != parsed->header || again->encrypted_data != parsed->encrypted_data ||
        again->original_length != parsed->original_length)
        std::abort();
    return 0;
}
