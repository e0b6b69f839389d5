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

/// How one step reaches the host: its command line and, for a script longer
/// than any command line can carry, the script itself as the command's stdin
/// (WS-Man Send), read by a short bootstrap, as Ansible's winrm plugin does.
struct command_plan {
    command_line line;
    std::string input;  // empty: the command reads no stdin
};

/// The PowerShell that reads a script from stdin and runs it in the top scope
/// (so `exit N` is the exit code); it runs nothing before all input arrived.
inline constexpr std::string_view powershell_stdin_bootstrap =
    "$fleetmend_script=$input|Out-String;. ([ScriptBlock]::Create($fleetmend_script))";
/// The PowerShell that writes stdin to a temporary .cmd file (echo off), runs
/// it with cmd.exe, deletes it and exits with its exit code.
inline constexpr std::string_view batch_stdin_bootstrap =
    "$fleetmend_batch=Join-Path $env:TEMP ('fleetmend-'+[guid]::NewGuid().Guid+'.cmd');"
    "[IO.File]::WriteAllText($fleetmend_batch,'@echo off'+[char]13+[char]10+($input|Out-String));"
    "& cmd.exe /d /c $fleetmend_batch;$fleetmend_exit=$LASTEXITCODE;"
    "Remove-Item -LiteralPath $fleetmend_batch -Force;exit $fleetmend_exit";

/// A PowerShell step: inline -EncodedCommand when it fits a command line,
/// else the stdin bootstrap with the script as input.
[[nodiscard]] command_plan plan_powershell(std::string_view script);
/// A cmd step: the line as written when it fits 8191 characters (cmd.exe
/// truncates longer ones silently and reports exit 0), else a batch file
/// made from stdin by batch_stdin_bootstrap.
[[nodiscard]] command_plan plan_cmd(std::string_view line);

using encoding::utf8_to_utf16le;

/// If stderr is PowerShell CLIXML (`#< CLIXML`), returns the text of its
/// <S S="Error"> records with `_xHHHH_` escapes decoded (CRLF -> LF); otherwise
/// returns stderr unchanged. Malformed CLIXML is returned unchanged too.
[[nodiscard]] std::string decode_clixml_stderr(std::string_view stderr_text);

}  // namespace fleetmend::winrm
