// read_journal on arbitrary bytes (a journal torn by a crash, or edited):
// a value or an error naming the line, never a crash.
#include "orchestrator/journal/journal.hpp"
#include "temp_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = fleetmend::fuzz::write_temp_input(data, size, ".journal");
    auto result = fleetmend::read_journal(path);
    (void)result;
    return 0;
}
