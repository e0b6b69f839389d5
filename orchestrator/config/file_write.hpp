#pragma once
/// The two low-level pieces every file fleetmend writes (journal, report)
/// needs: a write that survives short writes and EINTR, and the errno text
/// for the message that names a failed write.
#include <string>
#include <string_view>

namespace fleetmend {

/// Writes all of `text` to `fd`, retrying short writes and EINTR; false on
/// any other error (errno tells which).
[[nodiscard]] bool write_all(int fd, std::string_view text);

/// strerror(errno), taken at once so a later call cannot change it.
[[nodiscard]] std::string errno_text();

}  // namespace fleetmend
