// report_from_json on any JSON document (reports come back in through
// `report`, `rollback --from` and `--limit @REPORT`): an error, never a throw.
#include "orchestrator/report/report.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    auto result = fleetmend::report_from_json(doc);
    if (result) (void)fleetmend::report_to_json(*result);  // what was accepted can be written back
    return 0;
}
