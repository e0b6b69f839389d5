#include "transports/lab/wsman_messages.hpp"

#include "transports/encoding/xml_text.hpp"
#include "transports/lab/base64_text.hpp"

#include <pugixml.hpp>

#include <cstdio>
#include <random>

namespace fleetmend::lab {
namespace {

constexpr std::string_view shell_ns = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
constexpr std::string_view anonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

std::string_view local_name(const char* name) {
    std::string_view n(name);
    const auto colon = n.find(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view name) {
    for (auto c : parent.children())
        if (local_name(c.name()) == name) return c;
    return {};
}

pugi::xml_node descendant(pugi::xml_node parent, std::string_view name) {
    for (auto c : parent.children()) {
        if (local_name(c.name()) == name) return c;
        if (auto d = descendant(c, name)) return d;
    }
    return {};
}

std::string envelope(const wsman_request& request, std::string_view action, std::string_view body,
                     std::string_view extra_ns = {}) {
    std::string out =
        "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
        "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
        "xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/09/transfer\" "
        "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
        "xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\" "
        "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\"";
    out += extra_ns;
    out += "><s:Header><a:Action>";
    out += action;
    out += "</a:Action><a:MessageID>uuid:" + new_guid() + "</a:MessageID><a:To>";
    out += anonymous;
    out += "</a:To><a:RelatesTo>" + xml_escape(request.message_id) + "</a:RelatesTo></s:Header><s:Body>";
    out += body;
    out += "</s:Body></s:Envelope>";
    return out;
}

}  // namespace

std::string new_guid() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    const auto a = random();
    const auto b = random();
    char text[40];
    std::snprintf(text, sizeof text, "%08X-%04X-%04X-%04X-%012llX", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>((a & 0x0FFF) | 0x4000),
                  static_cast<unsigned>(((b >> 48) & 0x3FFF) | 0x8000),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
    return text;
}

std::chrono::milliseconds parse_xs_duration(std::string_view text, std::chrono::milliseconds fallback) {
    if (!text.starts_with("PT") || !text.ends_with("S")) return fallback;
    text = text.substr(2, text.size() - 3);
    double seconds = 0;
    if (std::sscanf(std::string(text).c_str(), "%lf", &seconds) != 1 || seconds < 0) return fallback;
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::expected<wsman_request, std::string> parse_wsman_request(std::string_view xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) return std::unexpected("the body is not XML");
    const auto env = doc.first_child();
    if (local_name(env.name()) != "Envelope") return std::unexpected("the body is not a SOAP envelope");
    const auto header = child(env, "Header");
    const auto body = child(env, "Body");
    if (!header || !body) return std::unexpected("the envelope has no Header or Body");

    wsman_request r;
    r.action_uri = child(header, "Action").text().as_string();
    r.message_id = child(header, "MessageID").text().as_string();
    r.resource_uri = child(header, "ResourceURI").text().as_string();
    r.operation_timeout = parse_xs_duration(child(header, "OperationTimeout").text().as_string(), r.operation_timeout);
    if (const auto size = child(header, "MaxEnvelopeSize"))
        r.max_envelope_size = static_cast<std::size_t>(size.text().as_ullong(r.max_envelope_size));
    if (auto set = child(header, "SelectorSet"))
        for (auto s : set.children())
            if (std::string_view(s.attribute("Name").as_string()) == "ShellId") r.shell_id = s.text().as_string();

    const std::string_view action = r.action_uri;
    if (action == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create") {
        r.action = wsman_action::create;
    } else if (action == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete") {
        r.action = wsman_action::remove;
    } else if (action == std::string(shell_ns) + "/Command") {
        r.action = wsman_action::command;
        const auto line = descendant(body, "CommandLine");
        r.command_line = child(line, "Command").text().as_string();
        for (auto a : line.children())
            if (local_name(a.name()) == "Arguments") {
                r.command_line += ' ';
                r.command_line += a.text().as_string();
            }
    } else if (action == std::string(shell_ns) + "/Receive") {
        r.action = wsman_action::receive;
        const auto stream = descendant(body, "DesiredStream");
        r.command_id = stream.attribute("CommandId").as_string();
    } else if (action == std::string(shell_ns) + "/Send") {
        r.action = wsman_action::send;
        const auto stream = descendant(body, "Stream");
        if (std::string_view(stream.attribute("Name").as_string()) != "stdin")
            return std::unexpected("Send carries no stdin Stream");
        r.command_id = stream.attribute("CommandId").as_string();
        r.input_end = std::string_view(stream.attribute("End").as_string()) == "true";
        const auto bytes = base64_decode(stream.text().as_string());
        if (!bytes) return std::unexpected("the stdin Stream is not base64");
        r.input = *bytes;
    } else if (action == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get" &&
               r.resource_uri == "http://schemas.microsoft.com/wbem/wsman/1/config") {
        r.action = wsman_action::get_config;
    } else if (action == std::string(shell_ns) + "/Signal") {
        r.action = wsman_action::signal;
        const auto signal = descendant(body, "Signal");
        r.command_id = signal.attribute("CommandId").as_string();
        r.signal_code = child(signal, "Code").text().as_string();
    }
    return r;
}

std::string create_response(const wsman_request& request, std::string_view shell_id, std::string_view endpoint_address) {
    std::string body = "<x:ResourceCreated><a:Address>" + xml_escape(endpoint_address) +
                       "</a:Address><a:ReferenceParameters><w:ResourceURI>" + xml_escape(request.resource_uri) +
                       "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">" + std::string(shell_id) +
                       "</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
                       "<rsp:Shell xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\"><rsp:ShellId>" +
                       std::string(shell_id) +
                       "</rsp:ShellId><rsp:ResourceUri>" + xml_escape(request.resource_uri) +
                       "</rsp:ResourceUri><rsp:Owner>administrator</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>"
                       "<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>"
                       "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>"
                       "<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>";
    return envelope(request, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", body);
}

std::string command_response(const wsman_request& request, std::string_view command_id) {
    return envelope(request, std::string(shell_ns) + "/CommandResponse",
                    "<rsp:CommandResponse><rsp:CommandId>" + std::string(command_id) +
                        "</rsp:CommandId></rsp:CommandResponse>");
}

std::string receive_response(const wsman_request& request, std::string_view stdout_bytes,
                             std::string_view stderr_bytes, std::optional<int> exit_code) {
    const std::string id = xml_escape(request.command_id);
    std::string body = "<rsp:ReceiveResponse>";
    if (!stdout_bytes.empty())
        body += "<rsp:Stream Name=\"stdout\" CommandId=\"" + id + "\">" + base64_encode(stdout_bytes) + "</rsp:Stream>";
    if (exit_code) body += "<rsp:Stream Name=\"stdout\" CommandId=\"" + id + "\" End=\"true\"></rsp:Stream>";
    if (!stderr_bytes.empty())
        body += "<rsp:Stream Name=\"stderr\" CommandId=\"" + id + "\">" + base64_encode(stderr_bytes) + "</rsp:Stream>";
    if (exit_code) {
        body += "<rsp:Stream Name=\"stderr\" CommandId=\"" + id + "\" End=\"true\"></rsp:Stream>";
        body += "<rsp:CommandState CommandId=\"" + id +
                "\" State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done\"><rsp:ExitCode>" +
                std::to_string(*exit_code) + "</rsp:ExitCode></rsp:CommandState>";
    } else {
        body += "<rsp:CommandState CommandId=\"" + id +
                "\" State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running\"/>";
    }
    body += "</rsp:ReceiveResponse>";
    return envelope(request, std::string(shell_ns) + "/ReceiveResponse", body);
}

std::string send_response(const wsman_request& request) {
    return envelope(request, std::string(shell_ns) + "/SendResponse", "<rsp:SendResponse/>");
}

std::string config_response(const wsman_request& request, std::size_t max_envelope_kb) {
    return envelope(request, "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse",
                    "<cfg:Config xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\"><cfg:MaxEnvelopeSizekb>" +
                        std::to_string(max_envelope_kb) +
                        "</cfg:MaxEnvelopeSizekb><cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms><cfg:MaxBatchItems>32000"
                        "</cfg:MaxBatchItems><cfg:MaxProviderRequests>4294967295</cfg:MaxProviderRequests>"
                        "</cfg:Config>");
}

std::string signal_response(const wsman_request& request) {
    return envelope(request, std::string(shell_ns) + "/SignalResponse", "<rsp:SignalResponse/>");
}

std::string delete_response(const wsman_request& request) {
    return envelope(request, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", "");
}

wsman_fault timed_out_fault() {
    return {"w:TimedOut", 2150858793UL,
            "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "};
}

wsman_fault shell_not_found_fault(std::string_view shell_id) {
    return {"w:InvalidSelectors", 2150858843UL,
            "The request for the Windows Remote Shell with ShellId " + std::string(shell_id) +
                " failed because the shell was not found on the server. Possible causes are: the specified ShellId "
                "is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a "
                "new shell and retry the operation. ",
            "s:Sender"};
}

wsman_fault quota_fault() {
    return {"w:QuotaLimit", 2150859173UL,
            "The WS-Management service cannot process the request. This user is allowed a maximum number of 5 "
            "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "};
}

wsman_fault operations_quota_fault(unsigned limit) {
    return {"w:QuotaLimit", 2150859174UL,
            "The WS-Management service cannot process the request. This user is allowed a maximum number of " +
                std::to_string(limit) +
                " concurrent operations, which has been exceeded. Close existing operations for this user, or raise "
                "the quota for this user. "};
}

wsman_fault envelope_limit_fault(std::size_t size, std::size_t max_envelope_kb) {
    return {"w:EncodingLimit", 2150859025UL,
            "The WS-Management service cannot process the request because the request size (" + std::to_string(size) +
                " bytes) exceeded the configured MaxEnvelopeSize quota (" + std::to_string(max_envelope_kb) + " KB). ",
            "s:Sender"};
}

wsman_fault access_denied_fault() { return {"w:AccessDenied", 5UL, "Access is denied. ", "s:Sender"}; }

wsman_fault unsupported_action_fault(std::string_view action) {
    return {"a:ActionNotSupported", 2150858754UL,
            "The WS-Management service cannot process the request because the action " + std::string(action) +
                " is not supported. ",
            "s:Sender"};
}

std::string fault_response(const wsman_request& request, const wsman_fault& fault, std::string_view machine) {
    std::string body = "<s:Fault><s:Code><s:Value>" + fault.code_value + "</s:Value><s:Subcode><s:Value>" +
                       fault.subcode + "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">" +
                       xml_escape(fault.message) + "</s:Text></s:Reason><s:Detail><f:WSManFault "
                       "xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\" Code=\"" +
                       std::to_string(fault.code) + "\" Machine=\"" + xml_escape(machine) + "\"><f:Message>" +
                       xml_escape(fault.message) + "</f:Message></f:WSManFault></s:Detail></s:Fault>";
    return envelope(request, "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", body);
}

}  // namespace fleetmend::lab
