// Every WS-Man response parser on what a hostile host could send.
#include "transports/winrm/wsman_response.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view soap(reinterpret_cast<const char*>(data), size);
    if (auto fault = fleetmend::winrm::parse_fault(soap); fault && *fault) (void)(*fault)->describe();
    (void)fleetmend::winrm::parse_shell_id(soap);
    (void)fleetmend::winrm::parse_command_id(soap);
    (void)fleetmend::winrm::parse_receive(soap);
    (void)fleetmend::winrm::base64_decode(soap);
    return 0;
}
