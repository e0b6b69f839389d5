#include "transports/ssh/ssh_command_line.hpp"

namespace fleetmend::ssh_detail {
std::string build_exec_line(const std::string& command, shell_kind shell) {
    if (shell != shell_kind::powershell) return command;
    // Progress records would otherwise arrive as CLIXML noise on stderr.
    const std::string script = "$ProgressPreference='SilentlyContinue'; " + command;
    return "powershell -NoProfile -NonInteractive -EncodedCommand " +
           base64_encode(utf8_to_utf16le(script));
}

}  // namespace fleetmend::ssh_detail
