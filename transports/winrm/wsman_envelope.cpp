// WS-Man request envelopes, shaped as Windows' own winrs and pywinrm send them.
#include "transports/winrm/wsman_envelope.hpp"

#include "transports/encoding/base64.hpp"

namespace fleetmend::winrm {
namespace {

using encoding::base64_encode;

constexpr std::string_view envelope_open =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
    " xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
    " xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\""
    " xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\""
    " xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\">";

struct option {
    std::string_view name;
    std::string_view value;
};

std::string header_xml(const envelope_header& h, std::string_view action, std::string_view shell_id,
                       std::initializer_list<option> options, std::string_view resource = uri::cmd_shell) {
    std::string out;
    out.reserve(1500);
    out += envelope_open;
    out += "<s:Header><a:To>";
    out += xml_escape(h.to);
    out += "</a:To><a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
           "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
           "<a:Action s:mustUnderstand=\"true\">";
    out += action;
    out += "</a:Action><w:MaxEnvelopeSize s:mustUnderstand=\"true\">";
    out += std::to_string(h.max_envelope_size);
    out += "</w:MaxEnvelopeSize><a:MessageID>";
    out += xml_escape(h.message_id);
    out += "</a:MessageID><w:Locale xml:lang=\"";
    out += xml_escape(h.locale);
    out += "\" s:mustUnderstand=\"false\"/><p:DataLocale xml:lang=\"";
    out += xml_escape(h.locale);
    out += "\" s:mustUnderstand=\"false\"/><w:OperationTimeout>PT";
    out += std::to_string(h.operation_timeout.count());
    out += ".000S</w:OperationTimeout><w:ResourceURI s:mustUnderstand=\"true\">";
    out += resource;
    out += "</w:ResourceURI>";
    if (!shell_id.empty()) {
        out += "<w:SelectorSet><w:Selector Name=\"ShellId\">";
        out += xml_escape(shell_id);
        out += "</w:Selector></w:SelectorSet>";
    }
    if (options.size() != 0) {
        out += "<w:OptionSet>";
        for (const auto& o : options) {
            out += "<w:Option Name=\"";
            out += o.name;
            out += "\">";
            out += o.value;
            out += "</w:Option>";
        }
        out += "</w:OptionSet>";
    }
    out += "</s:Header>";
    return out;
}

}  // namespace

std::string build_create_shell(const envelope_header& header) {
    auto out = header_xml(header, uri::action_create, {},
                          {{"WINRS_NOPROFILE", "TRUE"}, {"WINRS_CODEPAGE", "65001"}});
    out += "<s:Body><rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams>"
           "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell></s:Body></s:Envelope>";
    return out;
}

std::string build_command(const envelope_header& header, std::string_view shell_id, std::string_view command,
                          const std::vector<std::string>& arguments, bool skip_cmd_shell) {
    auto out = header_xml(header, uri::action_command, shell_id,
                          {{"WINRS_CONSOLEMODE_STDIN", "TRUE"},
                           {"WINRS_SKIP_CMD_SHELL", skip_cmd_shell ? "TRUE" : "FALSE"}});
    out += "<s:Body><rsp:CommandLine><rsp:Command>";
    out += xml_escape(command);
    out += "</rsp:Command>";
    for (const auto& argument : arguments) {
        out += "<rsp:Arguments>";
        out += xml_escape(argument);
        out += "</rsp:Arguments>";
    }
    out += "</rsp:CommandLine></s:Body></s:Envelope>";
    return out;
}

std::string build_receive(const envelope_header& header, std::string_view shell_id, std::string_view command_id) {
    auto out = header_xml(header, uri::action_receive, shell_id, {{"WSMAN_CMDSHELL_OPTION_KEEPALIVE", "TRUE"}});
    out += "<s:Body><rsp:Receive><rsp:DesiredStream CommandId=\"";
    out += xml_escape(command_id);
    out += "\">stdout stderr</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>";
    return out;
}

std::string build_send(const envelope_header& header, std::string_view shell_id, std::string_view command_id,
                       std::string_view bytes, bool end) {
    auto out = header_xml(header, uri::action_send, shell_id, {});
    out += "<s:Body><rsp:Send><rsp:Stream Name=\"stdin\" CommandId=\"";
    out += xml_escape(command_id);
    out += end ? "\" End=\"true\">" : "\">";
    out += base64_encode(bytes);
    out += "</rsp:Stream></rsp:Send></s:Body></s:Envelope>";
    return out;
}

std::size_t send_capacity(const envelope_header& header, std::string_view shell_id, std::string_view command_id) {
    // Room for a longer MessageID and the End attribute, and for XML the host
    // may count differently (whitespace, declarations).
    constexpr std::size_t margin = 1024;
    const std::size_t empty = build_send(header, shell_id, command_id, {}, true).size() + margin;
    if (header.max_envelope_size <= empty + 4) return 0;
    return (header.max_envelope_size - empty) / 4 * 3;
}

std::string build_get_config(const envelope_header& header) {
    auto out = header_xml(header, uri::action_get, {}, {}, uri::config);
    out += "<s:Body/></s:Envelope>";
    return out;
}

std::string build_signal_terminate(const envelope_header& header, std::string_view shell_id,
                                   std::string_view command_id) {
    auto out = header_xml(header, uri::action_signal, shell_id, {});
    out += "<s:Body><rsp:Signal CommandId=\"";
    out += xml_escape(command_id);
    out += "\"><rsp:Code>";
    out += uri::signal_terminate;
    out += "</rsp:Code></rsp:Signal></s:Body></s:Envelope>";
    return out;
}

std::string build_delete_shell(const envelope_header& header, std::string_view shell_id) {
    auto out = header_xml(header, uri::action_delete, shell_id, {});
    out += "<s:Body/></s:Envelope>";
    return out;
}

}  // namespace fleetmend::winrm
