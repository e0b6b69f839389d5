// load_inventory on arbitrary bytes: must return a value or a config_error,
// never crash, hang or throw. Host ranges ("web[01:40]") are the risky part.
#include "orchestrator/config/inventory.hpp"
#include "temp_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = fleetmend::fuzz::write_temp_input(data, size, ".inventory.toml");
    auto result = fleetmend::load_inventory(path);
    if (result) {
        auto all = fleetmend::select_hosts(*result, "all");
        (void)all;
    } else {
        (void)result.error().to_string();
    }
    return 0;
}
