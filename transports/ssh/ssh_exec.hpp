#pragma once
/// Runs one command on its own channel of an authenticated session: exec,
/// read stdout and stderr until EOF, collect the exit status. Missing the
/// deadline closes the channel (the session stays usable) and returns kind
/// timeout; a dropped connection returns kind protocol with libssh's words.
/// `cancelled` set (from any thread) ends the command within one poll slice:
/// the remote process gets SIGTERM, the channel is closed, kind cancelled.
#include "transports/transport.hpp"

#include <libssh/libssh.h>

#include <atomic>
#include <expected>
#include <string>

namespace fleetmend::ssh_detail {

[[nodiscard]] std::expected<exec_result, transport_error> exec_on_channel(ssh_session session,
                                                                          const std::string& exec_line,
                                                                          deadline until,
                                                                          std::size_t max_output_bytes,
                                                                          const std::atomic<bool>& cancelled);

/// The error a cancelled connect or command returns.
[[nodiscard]] transport_error stopped_by_operator(const char* what);

}  // namespace fleetmend::ssh_detail
