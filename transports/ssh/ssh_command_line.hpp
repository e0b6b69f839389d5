#pragma once
/// Pure: what the SSH exec request carries for a command in a given shell.
/// Windows OpenSSH hands the exec string to its default shell (cmd.exe), so
/// cmd and sh commands go as they are; PowerShell scripts are wrapped in
/// -EncodedCommand so that no quoting of the script can break.
#include "transports/encoding/base64.hpp"
#include "transports/encoding/utf16le.hpp"
#include "transports/transport.hpp"

#include <string>
#include <string_view>

namespace fleetmend::ssh_detail {

using encoding::base64_encode;
using encoding::utf8_to_utf16le;

/// The exec string for `command` in `shell`.
[[nodiscard]] std::string build_exec_line(const std::string& command, shell_kind shell);

}  // namespace fleetmend::ssh_detail
