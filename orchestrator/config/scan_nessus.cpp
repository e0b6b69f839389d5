// read_nessus_file: a Nessus v2 export (NessusClientData_v2) through expat's
// streaming parser, keeping per ReportHost only its name, the host-ip and
// host-fqdn tags and the pluginID/pluginName of its ReportItems. Expat is
// set up as the WS-Man parser is: a DOCTYPE (the only way to declare an
// entity or name an external resource) is refused, so nothing is expanded
// or fetched; predefined entities and character references still work.
#include "orchestrator/config/scan_export.hpp"
#include "orchestrator/config/scan_hosts.hpp"

#include <expat.h>

#include <cerrno>
#include <cstdio>
#include <type_traits>
#include <cstring>
#include <memory>

namespace fleetmend {
namespace {

struct parser_free {
    void operator()(XML_Parser p) const noexcept { XML_ParserFree(p); }
};
using owned_parser = std::unique_ptr<std::remove_pointer_t<XML_Parser>, parser_free>;


const char* attribute(const XML_Char** attrs, const char* name) {
    for (std::size_t i = 0; attrs[i] != nullptr; i += 2)
        if (std::strcmp(attrs[i], name) == 0) return attrs[i + 1];
    return nullptr;
}

/// The state of one parse; expat's callbacks reach it through user data.
class nessus_reader {
public:
    nessus_reader(std::string source, const std::set<std::string>& wanted, const scan_limits& limits)
        : source_(std::move(source)), hosts_(wanted, limits), limits_(limits), parser_(XML_ParserCreate("UTF-8")) {
        if (!parser_) return;
        XML_SetUserData(parser_.get(), this);
        XML_SetParamEntityParsing(parser_.get(), XML_PARAM_ENTITY_PARSING_NEVER);
        XML_SetStartDoctypeDeclHandler(parser_.get(), &nessus_reader::on_doctype);
        XML_SetEntityDeclHandler(parser_.get(), &nessus_reader::on_entity);
        XML_SetElementHandler(parser_.get(), &nessus_reader::on_start, &nessus_reader::on_end);
        XML_SetCharacterDataHandler(parser_.get(), &nessus_reader::on_text);
    }

    /// Feeds one piece; false when the parse failed (error() says why).
    bool feed(const char* data, std::size_t size, bool last) {
        if (!parser_) return fail_plain("cannot create an XML parser (out of memory)");
        if (XML_Parse(parser_.get(), data, static_cast<int>(size), last ? XML_TRUE : XML_FALSE) == XML_STATUS_OK)
            return true;
        if (error_.empty()) error_ = where() + XML_ErrorString(XML_GetErrorCode(parser_.get()));
        return false;
    }

    std::expected<scan_export, std::string> finish() {
        if (!error_.empty()) return std::unexpected(error_);
        if (!seen_root_) return std::unexpected(source_ + ": not a Nessus v2 export (no NessusClientData_v2 element)");
        if (!hosts_.error().empty()) return std::unexpected(source_ + ": " + hosts_.error());
        return scan_export{source_, hosts_.take()};
    }

    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    std::string where() const {
        return source_ + ":" + std::to_string(XML_GetCurrentLineNumber(parser_.get())) + ":" +
               std::to_string(XML_GetCurrentColumnNumber(parser_.get()) + 1) + ": ";
    }
    bool fail_plain(std::string message) {
        error_ = source_ + ": " + std::move(message);
        return false;
    }
    void stop(std::string message) {
        if (error_.empty()) error_ = where() + std::move(message);
        XML_StopParser(parser_.get(), XML_FALSE);
    }

    static void on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        static_cast<nessus_reader*>(self)->stop(
            "a DOCTYPE is refused (a scan export needs none; it could declare entities or external references)");
    }
    static void on_entity(void* self, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
                          const XML_Char*, const XML_Char*) {
        static_cast<nessus_reader*>(self)->stop("entity declarations are refused");
    }

    static void on_start(void* data, const XML_Char* name, const XML_Char** attrs) {
        auto& self = *static_cast<nessus_reader*>(data);
        ++self.depth_;
        if (self.depth_ == 1) {
            if (std::strcmp(name, "NessusClientData_v2") != 0)
                return self.stop(std::string("not a Nessus v2 export: the root element is <") + name +
                                 ">, not <NessusClientData_v2>");
            self.seen_root_ = true;
            return;
        }
        if (std::strcmp(name, "ReportHost") == 0) {
            const char* host = attribute(attrs, "name");
            self.in_host_ = true;
            self.host_ = {};
            self.host_.name = bounded(host ? host : "", self.limits_);
        } else if (self.in_host_ && std::strcmp(name, "tag") == 0) {
            const char* tag = attribute(attrs, "name");
            self.tag_ = tag ? tag : "";
            self.in_tag_ = self.tag_ == "host-ip" || self.tag_ == "host-fqdn";
            self.text_.clear();
        } else if (self.in_host_ && std::strcmp(name, "ReportItem") == 0) {
            const char* id = attribute(attrs, "pluginID");
            const char* title = attribute(attrs, "pluginName");
            self.hosts_.add_finding(self.host_, {bounded(id ? id : "", self.limits_),
                                                 bounded(title ? title : "", self.limits_)});
        }
    }

    static void on_end(void* data, const XML_Char* name) {
        auto& self = *static_cast<nessus_reader*>(data);
        --self.depth_;
        if (self.in_tag_ && std::strcmp(name, "tag") == 0) {
            if (self.tag_ == "host-ip") self.host_.ip = bounded(self.text_, self.limits_);
            else self.host_.fqdn = bounded(self.text_, self.limits_);
            self.in_tag_ = false;
        } else if (self.in_host_ && std::strcmp(name, "ReportHost") == 0) {
            self.in_host_ = false;
            if (!self.hosts_.add_host(std::move(self.host_))) self.stop(self.hosts_.error());
        }
    }

    static void on_text(void* data, const XML_Char* text, int length) {
        auto& self = *static_cast<nessus_reader*>(data);
        if (!self.in_tag_) return;
        const auto room = self.limits_.max_text_bytes > self.text_.size() ? self.limits_.max_text_bytes - self.text_.size() : 0;
        self.text_.append(text, std::min<std::size_t>(room, static_cast<std::size_t>(length)));
    }

    std::string source_;
    scan_host_list hosts_;
    const scan_limits& limits_;
    owned_parser parser_;
    std::string error_;
    int depth_ = 0;
    bool seen_root_ = false, in_host_ = false, in_tag_ = false;
    scan_host host_;
    std::string tag_, text_;
};

}  // namespace

std::expected<scan_export, std::string> parse_nessus(std::string_view text, std::string_view source,
                                                     const std::set<std::string>& wanted, const scan_limits& limits) {
    nessus_reader reader{std::string(source), wanted, limits};
    // expat takes an int length: feed large texts in pieces.
    constexpr std::size_t piece = 1u << 20;
    std::size_t at = 0;
    do {
        const std::size_t n = std::min(piece, text.size() - at);
        if (!reader.feed(text.data() + at, n, at + n == text.size())) break;
        at += n;
    } while (at < text.size());
    return reader.finish();
}

std::expected<scan_export, std::string> read_nessus_file(const std::string& path, const std::set<std::string>& wanted,
                                                         const scan_limits& limits) {
    nessus_reader reader{path, wanted, limits};
    if (auto read = read_in_pieces(path, [&reader](std::string_view piece, bool last) {
            return reader.feed(piece.data(), piece.size(), last);
        });
        !read)
        return std::unexpected(read.error());
    return reader.finish();
}

}  // namespace fleetmend
