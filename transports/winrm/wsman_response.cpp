// Parsing of WS-Man responses. Elements are matched by local name so any
// namespace prefix a host picks (s:, env:, rsp:, f:) works.
#include "transports/winrm/wsman_response.hpp"

#include <charconv>
#include <cstring>
#include <pugixml.hpp>

namespace fleetmend::winrm {
namespace {

std::string_view local_name(const char* qualified) {
    std::string_view name(qualified);
    auto colon = name.rfind(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child_named(pugi::xml_node parent, std::string_view name) {
    for (auto child : parent.children())
        if (child.type() == pugi::node_element && local_name(child.name()) == name) return child;
    return {};
}

pugi::xml_node find_named(pugi::xml_node root, std::string_view name) {
    return root.find_node([&](pugi::xml_node n) {
        return n.type() == pugi::node_element && local_name(n.name()) == name;
    });
}

std::string trimmed(std::string_view text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

// All text below a node, in document order (a Message may hold a ProviderFault
// element with the text inside, and further nested elements).
std::string all_text(pugi::xml_node node) {
    std::string out;
    for (auto n = node.first_child(); n; n = n.next_sibling()) {
        if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
            out += n.value();
        } else if (n.type() == pugi::node_element) {
            auto inner = all_text(n);
            if (!out.empty() && !inner.empty() && out.back() != ' ') out += ' ';
            out += inner;
        }
    }
    return trimmed(out);
}

std::expected<pugi::xml_node, std::string> load(pugi::xml_document& doc, std::string_view soap) {
    // parse_default has no DOCTYPE handling and expands only the five XML
    // entities and character references, never DTD entities.
    auto result = doc.load_buffer(soap.data(), soap.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result)
        return std::unexpected(std::string("the host's reply is not valid XML (") + result.description() +
                               " at byte " + std::to_string(result.offset) + ")");
    auto envelope = doc.document_element();
    if (local_name(envelope.name()) != "Envelope")
        return std::unexpected("the host's reply is not a SOAP envelope (root element <" +
                               std::string(envelope.name()) + ">)");
    auto body = child_named(envelope, "Body");
    if (!body) return std::unexpected("the host's SOAP reply has no Body");
    return body;
}

}  // namespace

std::string wsman_fault::describe() const {
    std::string out = "WS-Man fault";
    if (wsman_code) out += " " + std::to_string(*wsman_code);
    if (!subcode.empty()) out += " (" + subcode + ")";
    else if (!code.empty()) out += " (" + code + ")";
    auto text = !message.empty() ? message : reason;
    if (!text.empty()) out += ": " + text;
    if (!provider.empty()) out += " [provider: " + provider + "]";
    if (!machine.empty()) out += " [machine: " + machine + "]";
    return out;
}

std::expected<std::optional<wsman_fault>, std::string> parse_fault(std::string_view soap) {
    pugi::xml_document doc;
    auto body = load(doc, soap);
    if (!body) return std::unexpected(body.error());
    auto fault_node = child_named(*body, "Fault");
    if (!fault_node) return std::optional<wsman_fault>{};
    wsman_fault fault;
    auto code = child_named(fault_node, "Code");
    fault.code = trimmed(child_named(code, "Value").text().get());
    fault.subcode = trimmed(child_named(child_named(code, "Subcode"), "Value").text().get());
    fault.reason = all_text(child_named(child_named(fault_node, "Reason"), "Text"));
    if (auto wsman = find_named(fault_node, "WSManFault")) {
        std::string_view code_text = wsman.attribute("Code").value();
        std::uint32_t value = 0;
        auto [ptr, ec] = std::from_chars(code_text.data(), code_text.data() + code_text.size(), value);
        if (ec == std::errc{} && !code_text.empty()) fault.wsman_code = value;
        fault.machine = wsman.attribute("Machine").value();
        fault.message = all_text(child_named(wsman, "Message"));
        if (auto provider = find_named(wsman, "ProviderFault")) fault.provider = provider.attribute("provider").value();
    }
    return std::optional<wsman_fault>{std::move(fault)};
}

std::expected<std::string, std::string> parse_shell_id(std::string_view soap) {
    pugi::xml_document doc;
    auto body = load(doc, soap);
    if (!body) return std::unexpected(body.error());
    auto selector = body->find_node([](pugi::xml_node n) {
        return n.type() == pugi::node_element && local_name(n.name()) == "Selector" &&
               std::strcmp(n.attribute("Name").value(), "ShellId") == 0;
    });
    std::string id = selector ? trimmed(selector.text().get()) : std::string{};
    if (id.empty()) id = trimmed(find_named(*body, "ShellId").text().get());
    if (id.empty()) return std::unexpected("the host's Create reply carries no ShellId");
    return id;
}

std::expected<std::string, std::string> parse_command_id(std::string_view soap) {
    pugi::xml_document doc;
    auto body = load(doc, soap);
    if (!body) return std::unexpected(body.error());
    auto id = trimmed(find_named(*body, "CommandId").text().get());
    if (id.empty()) return std::unexpected("the host's Command reply carries no CommandId");
    return id;
}

std::optional<std::size_t> parse_max_envelope_size_kb(std::string_view soap) {
    pugi::xml_document doc;
    auto body = load(doc, soap);
    if (!body) return std::nullopt;
    auto text = trimmed(find_named(*body, "MaxEnvelopeSizekb").text().get());
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return static_cast<std::size_t>(std::stoul(text));
}

std::expected<receive_chunk, std::string> parse_receive(std::string_view soap) {
    pugi::xml_document doc;
    auto body = load(doc, soap);
    if (!body) return std::unexpected(body.error());
    auto response = child_named(*body, "ReceiveResponse");
    if (!response) return std::unexpected("the host's Receive reply has no ReceiveResponse");
    receive_chunk chunk;
    for (auto node : response.children()) {
        if (node.type() != pugi::node_element) continue;
        auto name = local_name(node.name());
        if (name == "Stream") {
            auto decoded = base64_decode(node.text().get());
            if (!decoded) return std::unexpected("the host sent a Stream that is not base64");
            std::string_view stream = node.attribute("Name").value();
            if (stream == "stdout") chunk.stdout_bytes += *decoded;
            else if (stream == "stderr") chunk.stderr_bytes += *decoded;
        } else if (name == "CommandState") {
            std::string_view state = node.attribute("State").value();
            if (state.ends_with("/Done")) {
                chunk.done = true;
                std::string_view code = child_named(node, "ExitCode").text().get();
                // Exit codes are DWORDs on Windows; keep the bit pattern (e.g. 0xC0000005).
                long long value = 0;
                auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), value);
                if (ec != std::errc{} || code.empty())
                    return std::unexpected("the host reported Done without a numeric ExitCode");
                chunk.exit_code = static_cast<int>(static_cast<std::uint32_t>(value));
            }
        }
    }
    return chunk;
}

}  // namespace fleetmend::winrm
