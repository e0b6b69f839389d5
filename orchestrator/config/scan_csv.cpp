// read_scan_csv_file: Nessus ("Plugin ID","CVE",...,"Host",...,"Name",...) and
// Qualys ("IP","DNS","NetBIOS",...,"QID","Title",...) CSV exports through
// libcsv (RFC 4180 quoting, fields spanning lines), one row per finding,
// read as a stream and grouped by host.
#include "orchestrator/config/scan_export.hpp"
#include "orchestrator/config/scan_hosts.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

namespace fleetmend {
namespace {

std::string lower_trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Header names, lower case, as Nessus, Tenable.io/sc and Qualys write them.
constexpr std::array name_columns{"host", "hostname", "netbios", "netbios name", "asset name"};
constexpr std::array ip_columns{"ip", "ip address", "host ip", "ipv4", "ipv4 address"};
constexpr std::array fqdn_columns{"dns", "fqdn", "dns name", "host fqdn"};
constexpr std::array id_columns{"plugin id", "plugin", "pluginid", "qid"};
constexpr std::array title_columns{"name", "title", "plugin name", "vulnerability title"};

template <std::size_t N>
std::optional<std::size_t> column(const std::vector<std::string>& header, const std::array<const char*, N>& names) {
    for (const char* wanted : names)
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == wanted) return i;
    return std::nullopt;
}

/// libcsv grows its field buffer through this; refusing past the cap ends
/// the parse (CSV_ENOMEM) instead of letting one endless field eat memory.
thread_local std::size_t field_cap = 0;
void* capped_realloc(void* ptr, std::size_t size) {
    if (size > field_cap) return nullptr;
    return std::realloc(ptr, size);
}

struct parser_free {
    void operator()(csv_parser* p) const noexcept {
        csv_free(p);
        delete p;
    }
};

class csv_reader {
public:
    csv_reader(std::string source, const std::set<std::string>& wanted, const scan_limits& limits)
        : source_(std::move(source)), hosts_(wanted, limits), limits_(limits), parser_(new csv_parser{}) {
        field_cap = limits.max_csv_field_bytes + 16;
        if (csv_init(parser_.get(), CSV_APPEND_NULL) != 0) init_failed_ = true;
        csv_set_realloc_func(parser_.get(), &capped_realloc);
    }

    bool feed(std::string_view data) {
        if (init_failed_) return fail("cannot create a CSV parser (out of memory)");
        if (first_) {
            first_ = false;
            if (data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);  // Excel's UTF-8 BOM
        }
        if (csv_parse(parser_.get(), data.data(), data.size(), &csv_reader::on_field, &csv_reader::on_row, this) !=
            data.size())
            return fail_parser();
        return error_.empty();
    }

    std::expected<scan_export, std::string> finish() {
        if (error_.empty() && !init_failed_ &&
            csv_fini(parser_.get(), &csv_reader::on_field, &csv_reader::on_row, this) != 0)
            fail_parser();
        if (!error_.empty()) return std::unexpected(error_);
        if (!header_)
            return std::unexpected(source_ + ": no header row with a host column (Host, IP, IP Address, DNS, FQDN or "
                                             "NetBIOS) in the first 100 rows");
        return scan_export{source_, hosts_.take()};
    }

private:
    bool fail(std::string message) {
        if (error_.empty()) error_ = source_ + ": " + std::move(message);
        return false;
    }
    bool fail_parser() {
        const int code = csv_error(parser_.get());
        return fail("row " + std::to_string(rows_ + 1) + ": " +
                    (code == CSV_ENOMEM ? "a field longer than " + std::to_string(limits_.max_csv_field_bytes) + " bytes"
                                        : std::string(csv_strerror(code))));
    }

    static void on_field(void* field, std::size_t size, void* data) {
        auto& self = *static_cast<csv_reader*>(data);
        self.row_.emplace_back(static_cast<const char*>(field), size);
    }

    static void on_row(int, void* data) {
        auto& self = *static_cast<csv_reader*>(data);
        ++self.rows_;
        std::vector<std::string> row = std::move(self.row_);
        self.row_.clear();
        if (!self.error_.empty()) return;
        if (!self.header_) return self.try_header(row);
        const auto cell = [&row](const std::optional<std::size_t>& at) -> std::string_view {
            if (!at || *at >= row.size()) return {};
            std::string_view v = row[*at];
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
            return v;
        };
        const auto& h = *self.header_;
        scan_host host;
        host.name = bounded(cell(h.name), self.limits_);
        host.ip = bounded(cell(h.ip), self.limits_);
        host.fqdn = bounded(cell(h.fqdn), self.limits_);
        self.hosts_.add_finding(host, {bounded(cell(h.id), self.limits_), bounded(cell(h.title), self.limits_)});
        if (!self.hosts_.add_host(std::move(host))) self.fail("row " + std::to_string(self.rows_) + ": " + self.hosts_.error());
    }

    void try_header(const std::vector<std::string>& row) {
        std::vector<std::string> names;
        for (const auto& cell : row) names.push_back(lower_trimmed(cell));
        columns c{column(names, name_columns), column(names, ip_columns), column(names, fqdn_columns),
                  column(names, id_columns), column(names, title_columns)};
        if (c.name || c.ip || c.fqdn) {
            header_ = c;
            return;
        }
        if (rows_ >= 100) fail("no header row with a host column (Host, IP, IP Address, DNS, FQDN or NetBIOS) in the first 100 rows");
    }

    struct columns {
        std::optional<std::size_t> name, ip, fqdn, id, title;
    };

    std::string source_;
    scan_host_list hosts_;
    const scan_limits& limits_;
    std::unique_ptr<csv_parser, parser_free> parser_;
    bool init_failed_ = false, first_ = true;
    std::string error_;
    std::size_t rows_ = 0;
    std::vector<std::string> row_;
    std::optional<columns> header_;
};

}  // namespace

std::expected<scan_export, std::string> parse_scan_csv(std::string_view text, std::string_view source,
                                                       const std::set<std::string>& wanted, const scan_limits& limits) {
    csv_reader reader{std::string(source), wanted, limits};
    (void)reader.feed(text);
    return reader.finish();
}

std::expected<scan_export, std::string> read_scan_csv_file(const std::string& path, const std::set<std::string>& wanted,
                                                           const scan_limits& limits) {
    csv_reader reader{path, wanted, limits};
    if (auto read = read_in_pieces(path, [&reader](std::string_view piece, bool) { return reader.feed(piece); }); !read)
        return std::unexpected(read.error());
    return reader.finish();
}

}  // namespace fleetmend
