#include "orchestrator/config/bounded_file.hpp"
#include "orchestrator/journal/journal.hpp"
#include "orchestrator/journal/journal_crc.hpp"
#include "orchestrator/report/event_json.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace fleetmend {
namespace {

/// Parses one line without its '\n'; nullopt when it is not a good record.
std::optional<run_event> parse_record(std::string_view line) {
    if (line.size() < 10 || line[8] != ' ') return std::nullopt;
    std::uint32_t crc = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + 8, crc, 16);
    if (ec != std::errc{} || p != line.data() + 8) return std::nullopt;
    const auto text = line.substr(9);
    if (journal_crc(text) != crc) return std::nullopt;
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::nullopt;
    auto event = event_from_json(j);
    if (!event) return std::nullopt;
    return std::move(*event);
}

/// Every good record; a corrupt one followed by good ones fails the read, or,
/// with `damage`, ends it there.
std::expected<journal_contents, std::string> read_records(const std::string& path, std::string* damage) {
    auto read = read_bounded_file(path, max_journal_bytes, "journal");
    if (!read) return std::unexpected(read.error());
    const std::string data = std::move(*read);

    journal_contents out;
    std::size_t pos = 0;
    std::size_t line_number = 0;
    std::optional<std::size_t> first_bad_line;
    std::size_t first_bad_offset = 0;
    while (pos < data.size()) {
        ++line_number;
        const auto end = data.find('\n', pos);
        const bool complete = end != std::string::npos;
        const std::string_view line(data.data() + pos, (complete ? end : data.size()) - pos);
        auto event = complete ? parse_record(line) : std::nullopt;
        if (event) {
            if (first_bad_line && damage) {
                *damage = path + ": record " + std::to_string(*first_bad_line) +
                          " is corrupt though later records are intact; what follows it was left out";
                out.torn_tail = false;
                out.torn_bytes = 0;
                return out;
            }
            if (first_bad_line) {
                return std::unexpected(path + ": record " + std::to_string(*first_bad_line) +
                                       " is corrupt but later records are intact; the journal was damaged "
                                       "after it was written and cannot be trusted for resume");
            }
            out.events.push_back(std::move(*event));
            out.valid_bytes = end + 1;
        } else if (!first_bad_line) {
            first_bad_line = line_number;
            first_bad_offset = pos;
        }
        pos = complete ? end + 1 : data.size();
    }
    if (first_bad_line) {
        out.torn_tail = true;
        out.torn_bytes = data.size() - first_bad_offset;
    }
    return out;
}

}  // namespace

std::expected<journal_contents, std::string> read_journal(const std::string& path) {
    return read_records(path, nullptr);
}

std::expected<journal_contents, std::string> read_journal_prefix(const std::string& path, std::string& damage) {
    return read_records(path, &damage);
}

}  // namespace fleetmend
