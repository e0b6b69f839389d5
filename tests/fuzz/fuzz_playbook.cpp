// load_playbook on arbitrary bytes: every regex in facts/expect is compiled
// here, so a hostile pattern must be an error, never a crash or a hang.
#include "orchestrator/config/playbook.hpp"
#include "temp_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = fleetmend::fuzz::write_temp_input(data, size, ".playbook.toml");
    auto result = fleetmend::load_playbook(path);
    if (!result) (void)result.error().to_string();
    return 0;
}
