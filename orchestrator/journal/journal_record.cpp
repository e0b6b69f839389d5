// The journal's line format, shared by the writer and the reader.
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/journal/journal_crc.hpp"
#include "orchestrator/report/event_json.hpp"

#include <cstdio>

namespace fleetmend {

std::uint32_t journal_crc(std::string_view text) {
    boost::crc_32_type crc;
    crc.process_bytes(text.data(), text.size());
    return crc.checksum();
}

std::string journal_path(const std::string& report_dir, const std::string& run_id) {
    if (report_dir.empty()) return run_id + ".journal";
    return report_dir + (report_dir.back() == '/' ? "" : "/") + run_id + ".journal";
}

std::string journal_record(const run_event& event) {
    // Invalid UTF-8 from a host is replaced, never allowed to lose the record.
    const auto text = event_to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x ", journal_crc(text));
    std::string line;
    line.reserve(text.size() + 10);
    line += crc;
    line += text;
    line += '\n';
    return line;
}

}  // namespace fleetmend
