#pragma once
/// The server side of WS-Man's Windows Remote Shell, pure: parses a request
/// envelope and builds responses and faults in the shapes Windows sends
/// (MS-WSMV; namespaces and prefixes as WinRM writes them).
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace fleetmend::lab {

enum class wsman_action { create, command, receive, send, signal, remove, get_config, other };

struct wsman_request {
    wsman_action action = wsman_action::other;
    std::string action_uri;
    std::string message_id;
    std::string resource_uri;
    std::string shell_id;    // SelectorSet ShellId (empty on Create)
    std::string command_id;  // Receive/Signal
    std::string command_line;  // Command + " " + Arguments...
    std::string signal_code;
    std::string input;         // Send: the decoded stdin bytes
    bool input_end = false;    // Send: End="true", the last piece
    std::size_t max_envelope_size = 153600;  // what the client accepts in an answer
    std::chrono::milliseconds operation_timeout{60'000};
};

/// Parses one SOAP envelope; the error says what is missing.
[[nodiscard]] std::expected<wsman_request, std::string> parse_wsman_request(std::string_view xml);

/// Parses an xs:duration such as "PT20S" or "PT60.000S".
[[nodiscard]] std::chrono::milliseconds parse_xs_duration(std::string_view text, std::chrono::milliseconds fallback);

[[nodiscard]] std::string create_response(const wsman_request& request, std::string_view shell_id,
                                          std::string_view endpoint_address);
[[nodiscard]] std::string command_response(const wsman_request& request, std::string_view command_id);
/// One Receive answer: these bytes of output, and CommandState Done with the
/// exit code when given (else Running: more Receives follow).
[[nodiscard]] std::string receive_response(const wsman_request& request, std::string_view stdout_bytes,
                                           std::string_view stderr_bytes, std::optional<int> exit_code);
[[nodiscard]] std::string send_response(const wsman_request& request);
/// The config resource's answer to Get, as Windows words MaxEnvelopeSizekb.
[[nodiscard]] std::string config_response(const wsman_request& request, std::size_t max_envelope_kb);
[[nodiscard]] std::string signal_response(const wsman_request& request);
[[nodiscard]] std::string delete_response(const wsman_request& request);

/// A WS-Man fault as Windows words it.
struct wsman_fault {
    std::string subcode;   // e.g. "w:TimedOut"
    unsigned long code;    // WSManFault Code, e.g. 2150858793
    std::string message;
    std::string code_value = "s:Receiver";
};
[[nodiscard]] wsman_fault timed_out_fault();
[[nodiscard]] wsman_fault shell_not_found_fault(std::string_view shell_id);
[[nodiscard]] wsman_fault quota_fault();
[[nodiscard]] wsman_fault operations_quota_fault(unsigned limit);
/// A request larger than MaxEnvelopeSizekb, or asking for larger answers.
[[nodiscard]] wsman_fault envelope_limit_fault(std::size_t size, std::size_t max_envelope_kb);
[[nodiscard]] wsman_fault access_denied_fault();
[[nodiscard]] wsman_fault unsupported_action_fault(std::string_view action);
[[nodiscard]] std::string fault_response(const wsman_request& request, const wsman_fault& fault,
                                         std::string_view machine);

/// A fresh upper-case GUID as Windows prints shell and command ids.
[[nodiscard]] std::string new_guid();

}  // namespace fleetmend::lab
