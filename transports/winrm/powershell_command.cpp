// PowerShell -EncodedCommand building and CLIXML stderr decoding.
#include "transports/winrm/powershell_command.hpp"

#include "transports/winrm/wsman_response.hpp"

#include <cstdint>
#include <cstring>
#include <pugixml.hpp>

namespace fleetmend::winrm {
namespace {

constexpr std::string_view progress_off = "$ProgressPreference='SilentlyContinue';";
constexpr std::string_view clixml_marker = "#< CLIXML";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// PowerShell serialises control characters (and '_' itself) as _xHHHH_.
std::string decode_ps_escapes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '_' && i + 7 <= text.size() && text[i + 1] == 'x' && text[i + 6] == '_') {
            std::uint32_t cp = 0;
            bool ok = true;
            for (std::size_t k = 2; k < 6; ++k) {
                int v = hex_value(text[i + k]);
                if (v < 0) ok = false;
                cp = (cp << 4) | static_cast<std::uint32_t>(v < 0 ? 0 : v);
            }
            if (ok) {
                if (cp != '\r') encoding::append_utf8(out, cp);  // CRLF becomes LF
                i += 7;
                continue;
            }
        }
        out += text[i++];
    }
    return out;
}

}  // namespace

std::size_t command_line::length() const {
    std::size_t total = command.size();
    for (const auto& a : arguments) total += 1 + a.size();
    return total;
}

std::expected<command_line, std::string> cmd_command_line(std::string_view line) {
    if (line.size() > max_command_line)
        return std::unexpected("the command is " + std::to_string(line.size()) +
                               " characters; cmd.exe silently truncates lines over 8191. "
                               "Shorten it or move the logic into a script on the host");
    return command_line{std::string(line), {}, false};
}

std::expected<command_line, std::string> powershell_command_line(std::string_view script) {
    std::string full(progress_off);
    full += script;
    command_line line{"powershell", {"-NoProfile -NonInteractive -EncodedCommand " + base64_encode(utf8_to_utf16le(full))},
                      false};
    if (line.length() > max_command_line)
        return std::unexpected("the PowerShell script is " + std::to_string(script.size()) +
                               " characters; encoded it makes a " + std::to_string(line.length()) +
                               "-character command line and Windows truncates lines over 8191. "
                               "Keep inline scripts under about 3000 characters or copy a .ps1 to the host");
    return line;
}

command_plan plan_powershell(std::string_view script) {
    if (auto inline_line = powershell_command_line(script)) return {std::move(*inline_line), {}};
    auto bootstrap = powershell_command_line(powershell_stdin_bootstrap);
    return {std::move(*bootstrap), std::string(script)};
}

command_plan plan_cmd(std::string_view line) {
    if (auto inline_line = cmd_command_line(line)) return {std::move(*inline_line), {}};
    auto bootstrap = powershell_command_line(batch_stdin_bootstrap);
    return {std::move(*bootstrap), std::string(line)};
}

std::string decode_clixml_stderr(std::string_view stderr_text) {
    auto at = stderr_text.find(clixml_marker);
    if (at == std::string_view::npos) return std::string(stderr_text);
    std::string out(stderr_text.substr(0, at));  // anything printed before the CLIXML
    // A long-running script may emit several CLIXML documents, each with its marker.
    while (at != std::string_view::npos) {
        auto next = stderr_text.find(clixml_marker, at + clixml_marker.size());
        auto block = stderr_text.substr(at + clixml_marker.size(),
                                        next == std::string_view::npos ? std::string_view::npos
                                                                       : next - at - clixml_marker.size());
        auto xml_start = block.find('<');
        pugi::xml_document doc;
        if (xml_start == std::string_view::npos ||
            !doc.load_buffer(block.data() + xml_start, block.size() - xml_start, pugi::parse_default,
                             pugi::encoding_utf8))
            return std::string(stderr_text);
        for (auto s : doc.select_nodes("//*[local-name()='S'][@S='Error']"))
            out += decode_ps_escapes(s.node().text().get());
        at = next;
    }
    return out;
}

}  // namespace fleetmend::winrm
