#pragma once
/// Pure: what the SSH exec request carries for a command in a given shell.
/// Windows OpenSSH hands the exec string to its default shell (cmd.exe), so
/// cmd and sh commands go as they are; PowerShell scripts are wrapped in
/// -EncodedCommand so that no quoting of the script can break.
#include "transports/transport.hpp"

#include <string>
#include <string_view>

namespace fleetmend::ssh_detail {

/// UTF-8 -> UTF-16LE bytes; invalid UTF-8 bytes become U+FFFD.
[[nodiscard]] std::string utf8_to_utf16le(std::string_view utf8);

/// Standard base64 (RFC 4648, with padding).
[[nodiscard]] std::string base64_encode(std::string_view bytes);

/// The exec string for `command` in `shell`.
[[nodiscard]] std::string build_exec_line(const std::string& command, shell_kind shell);

}  // namespace fleetmend::ssh_detail
