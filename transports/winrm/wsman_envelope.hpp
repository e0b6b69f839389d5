#pragma once
/// WS-Man request envelopes for the WinRM cmd shell (MS-WSMV 3.1.4), pure:
/// each builder takes data and returns the SOAP text to POST. No I/O.
#include "transports/encoding/xml_text.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::winrm {

namespace uri {
inline constexpr std::string_view cmd_shell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
inline constexpr std::string_view action_create = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
inline constexpr std::string_view action_delete = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
inline constexpr std::string_view action_command = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
inline constexpr std::string_view action_receive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
inline constexpr std::string_view action_send = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
inline constexpr std::string_view action_get = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
inline constexpr std::string_view config = "http://schemas.microsoft.com/wbem/wsman/1/config";
inline constexpr std::string_view action_signal = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
inline constexpr std::string_view signal_terminate = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";
inline constexpr std::string_view state_done = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";
}  // namespace uri

/// MaxEnvelopeSizekb 150, the default of hosts before Windows Server 2012; newer
/// ones default to 500 and say so in their configuration (see build_get_config).
inline constexpr std::size_t default_max_envelope_size = 150 * 1024;
inline constexpr std::size_t large_max_envelope_size = 500 * 1024;

/// What every request header carries.
struct envelope_header {
    std::string to;                  // e.g. http://host:5985/wsman
    std::string message_id;          // "uuid:..." (the caller generates it)
    std::chrono::seconds operation_timeout{20};
    std::size_t max_envelope_size = default_max_envelope_size;
    std::string locale = "en-US";
};

/// Create a cmd shell with WINRS_NOPROFILE and WINRS_CODEPAGE=65001 (UTF-8 output).
[[nodiscard]] std::string build_create_shell(const envelope_header& header);

/// Start one command in the shell. skip_cmd_shell runs the executable without
/// cmd.exe /c (right for powershell.exe; wrong for cmd built-ins).
[[nodiscard]] std::string build_command(const envelope_header& header, std::string_view shell_id,
                                        std::string_view command, const std::vector<std::string>& arguments,
                                        bool skip_cmd_shell);

/// Ask for the next stdout/stderr chunk of a command.
[[nodiscard]] std::string build_receive(const envelope_header& header, std::string_view shell_id,
                                        std::string_view command_id);

/// One piece of a command's stdin (`Send`, Stream Name="stdin"); `end` marks
/// the last piece (End="true"), after which the command sees end of input.
[[nodiscard]] std::string build_send(const envelope_header& header, std::string_view shell_id,
                                     std::string_view command_id, std::string_view bytes, bool end);

/// How many stdin bytes one Send may carry so that the whole envelope (header,
/// base64 of the bytes) stays within header.max_envelope_size.
[[nodiscard]] std::size_t send_capacity(const envelope_header& header, std::string_view shell_id,
                                        std::string_view command_id);

/// Reads the service configuration (`Get` of the config resource), whose
/// MaxEnvelopeSizekb the host accepts; pypsrp and the WinRM gem learn it so.
/// Hosts before Windows Server 2012 (and non-administrators) answer a fault.
[[nodiscard]] std::string build_get_config(const envelope_header& header);

/// Terminate a command (also releases it after it finished).
[[nodiscard]] std::string build_signal_terminate(const envelope_header& header, std::string_view shell_id,
                                                 std::string_view command_id);

/// Delete the shell.
[[nodiscard]] std::string build_delete_shell(const envelope_header& header, std::string_view shell_id);

/// Escapes text for an XML element or attribute value (shared with the lab).
using fleetmend::xml_escape;

}  // namespace fleetmend::winrm
