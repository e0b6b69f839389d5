#pragma once
/// Asking the admin before changing hosts. Only on a terminal: a script must
/// say --yes, so nobody changes a fleet because a pipe happened to send "y".
#include <string>

namespace fleetmend {

/// True when stdin is a terminal someone can answer on.
[[nodiscard]] bool stdin_is_terminal() noexcept;
/// True when `stream_fd` is a terminal (the live progress line needs one).
[[nodiscard]] bool is_terminal(int stream_fd) noexcept;

/// Prints `question` + " [y/N] " to stderr and reads one line from stdin;
/// true only for "y" or "yes" (any case). End of input is "no".
[[nodiscard]] bool ask_yes_no(const std::string& question);

}  // namespace fleetmend
