#include "orchestrator/config/jump_spec.hpp"

#include <charconv>

namespace fleetmend {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::expected<jump_spec_hop, std::string> parse_hop(std::string_view text, std::size_t number) {
    const std::string which = "hop " + std::to_string(number) + " ('" + std::string(text) + "')";
    std::string_view rest = text;
    if (rest.starts_with("ssh://")) rest.remove_prefix(6);
    jump_spec_hop hop;
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        hop.user = std::string(rest.substr(0, at));
        rest.remove_prefix(at + 1);
        if (hop.user.empty()) return std::unexpected(which + " has an empty user name before '@'");
    }
    std::string_view port_text;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return std::unexpected(which + " opens '[' without ']'");
        hop.host = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::unexpected(which + " has text after ']' that is not ':PORT'");
            port_text = rest.substr(1);
            if (port_text.empty()) return std::unexpected(which + " has ':' without a port");
        }
    } else {
        const auto colon = rest.find(':');
        hop.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = rest.substr(colon + 1);
            if (port_text.empty()) return std::unexpected(which + " has ':' without a port");
            if (port_text.find(':') != std::string_view::npos)
                return std::unexpected(which + " has several ':'; write an IPv6 address as [address]:port");
        }
    }
    if (hop.host.empty()) return std::unexpected(which + " names no host");
    if (hop.host.find_first_of(" \t/\\\"'") != std::string::npos)
        return std::unexpected(which + " has a host name with a space, a slash or a quote");
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
            return std::unexpected(which + " has port '" + std::string(port_text) + "'; expected 1 to 65535");
        hop.port = static_cast<std::uint16_t>(value);
    }
    return hop;
}

}  // namespace

std::string jump_spec_hop::text() const {
    std::string out = user.empty() ? "" : user + "@";
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port) out += ":" + std::to_string(*port);
    return out;
}

std::expected<std::vector<jump_spec_hop>, std::string> parse_jump(std::string_view text) {
    text = trim(text);
    if (text == "none") return std::vector<jump_spec_hop>{};
    if (text.empty())
        return std::unexpected("expected jump hosts such as \"user@bastion.example:22\" (several comma-separated), "
                               "or \"none\"");
    std::vector<jump_spec_hop> hops;
    std::size_t number = 1;
    for (std::size_t start = 0;; ++number) {
        const auto comma = text.find(',', start);
        const auto piece = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (piece.empty()) return std::unexpected("hop " + std::to_string(number) + " is empty (two commas, or a comma at an end)");
        if (piece == "none") return std::unexpected("\"none\" cannot be combined with jump hosts");
        auto hop = parse_hop(piece, number);
        if (!hop) return std::unexpected(hop.error());
        hops.push_back(std::move(*hop));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return hops;
}

}  // namespace fleetmend
