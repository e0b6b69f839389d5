#pragma once
/// What a simulated Windows host does with one command line, as WinRM's cmd
/// shell (or Windows OpenSSH's default shell) would run it: netsh, reg query,
/// powershell -EncodedCommand/-Command with the NetTeredo cmdlets, hostname,
/// whoami, echo. Anything else fails like cmd.exe does. Pure.
#include "transports/lab/teredo_model.hpp"

#include <string_view>

namespace fleetmend::lab {

/// Identity the host reports (`hostname`, `whoami`).
struct host_identity {
    std::string_view host_name;  // short NetBIOS-style name, e.g. "WIN0001"
    std::string_view user;       // e.g. "lab\\administrator"
};

/// Runs one command line against the host's Teredo model.
[[nodiscard]] command_output run_windows_command(teredo_host& host, const host_identity& who,
                                                 std::string_view command_line);

/// True for a command that reads its stdin before doing anything: PowerShell
/// whose script reads `$input` (the stdin bootstraps fleetmend and Ansible send).
[[nodiscard]] bool reads_stdin(std::string_view command_line);

/// Runs a command that read all of `input` from stdin: the PowerShell stdin
/// bootstrap runs the input as a script; the batch bootstrap runs it as a .cmd
/// file (one command per line, `@echo off`, exit code of the last command).
[[nodiscard]] command_output run_windows_command_with_input(teredo_host& host, const host_identity& who,
                                                            std::string_view command_line, std::string_view input);

/// Runs a PowerShell script (already decoded) the way powershell.exe
/// -NonInteractive would: errors arrive on stderr as "#< CLIXML".
[[nodiscard]] command_output run_powershell_script(teredo_host& host, const host_identity& who,
                                                   std::string_view script);

}  // namespace fleetmend::lab
