#pragma once
/// Parsing of WS-Man responses from a WinRM host, pure. pugixml never expands
/// DTD entities, so a hostile host cannot make the parser fetch or blow up.
#include "transports/encoding/base64.hpp"
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::winrm {

/// Well-known WSManFault codes.
namespace fault_code {
inline constexpr std::uint32_t operation_timed_out = 2150858793u;  // Receive: nothing new yet
inline constexpr std::uint32_t shell_not_found = 2150858843u;
// The user's MaxConcurrentOperationsPerUser quota (15 on 2008 R2, 1500 later);
// every Command of a cmd shell counts until the shell is deleted.
inline constexpr std::uint32_t too_many_operations = 2150859174u;
// The user's MaxShellsPerUser quota (5 on 2008 R2, 30 later), at Create.
inline constexpr std::uint32_t too_many_shells = 2150859173u;
inline constexpr std::uint32_t operation_aborted = 995u;
}  // namespace fault_code

/// A SOAP fault in the remote's own words.
struct wsman_fault {
    std::string code;           // s:Code/s:Value, e.g. "s:Receiver"
    std::string subcode;        // s:Subcode/s:Value, e.g. "w:TimedOut"
    std::string reason;         // s:Reason/s:Text
    std::optional<std::uint32_t> wsman_code;  // WSManFault@Code
    std::string machine;        // WSManFault@Machine
    std::string message;        // WSManFault/Message text (incl. provider fault text)
    std::string provider;       // ProviderFault@provider

    /// One line for a human: "WS-Man fault 2150858843 (w:InvalidSelectors): <text>".
    [[nodiscard]] std::string describe() const;
};

/// Output of one Receive.
struct receive_chunk {
    std::string stdout_bytes;
    std::string stderr_bytes;
    bool done = false;
    std::optional<int> exit_code;  // set when done
};

/// Returns the fault in a response, if it is one; an error if the text is not XML.
[[nodiscard]] std::expected<std::optional<wsman_fault>, std::string> parse_fault(std::string_view soap);

/// ShellId from a Create response (ResourceCreated SelectorSet, or Shell/ShellId).
[[nodiscard]] std::expected<std::string, std::string> parse_shell_id(std::string_view soap);

/// CommandId from a Command response.
[[nodiscard]] std::expected<std::string, std::string> parse_command_id(std::string_view soap);

/// MaxEnvelopeSizekb of a config Get response; nullopt when absent or not a number.
[[nodiscard]] std::optional<std::size_t> parse_max_envelope_size_kb(std::string_view soap);

/// Streams (base64-decoded) and CommandState of a Receive response.
[[nodiscard]] std::expected<receive_chunk, std::string> parse_receive(std::string_view soap);

using encoding::base64_decode;
using encoding::base64_encode;

}  // namespace fleetmend::winrm
