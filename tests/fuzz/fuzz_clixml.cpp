// decode_clixml_stderr on hostile stderr (PowerShell CLIXML or not).
#include "transports/winrm/powershell_command.hpp"

#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)fleetmend::winrm::decode_clixml_stderr(text);
    // The CLIXML marker is what switches the decoder on; make every input take that path too.
    (void)fleetmend::winrm::decode_clixml_stderr("#< CLIXML\r\n" + std::string(text));
    return 0;
}
