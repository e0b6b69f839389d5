#pragma once
/// How a step's command becomes a WinRM command line, and how PowerShell's
/// CLIXML error stream becomes plain text. Pure.
#include "transports/encoding/utf16le.hpp"

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::winrm {

/// cmd.exe silently truncates longer command lines (exit 0, no output).
inline constexpr std::size_t max_command_line = 8191;

/// The pieces of a WS-Man CommandLine.
struct command_line {
    std::string command;
    std::vector<std::string> arguments;
    bool skip_cmd_shell = false;

    /// Length of "command arguments..." as the host will see it.
    [[nodiscard]] std::size_t length() const;
};

/// A cmd step: the line goes to cmd.exe as written. Refuses lines the host would truncate.
[[nodiscard]] std::expected<command_line, std::string> cmd_command_line(std::string_view line);

/// A PowerShell step: `powershell -NoProfile -NonInteractive -EncodedCommand <b64 UTF-16LE>`
/// with `$ProgressPreference='SilentlyContinue';` prepended (progress records would
/// otherwise pollute stderr as CLIXML). Refuses scripts whose encoding is too long.
[[nodiscard]] std::expected<command_line, std::string> powershell_command_line(std::string_view script);

using encoding::utf8_to_utf16le;

/// If stderr is PowerShell CLIXML (`#< CLIXML`), returns the text of its
/// <S S="Error"> records with `_xHHHH_` escapes decoded (CRLF -> LF); otherwise
/// returns stderr unchanged. Malformed CLIXML is returned unchanged too.
[[nodiscard]] std::string decode_clixml_stderr(std::string_view stderr_text);

}  // namespace fleetmend::winrm
