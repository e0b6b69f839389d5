#pragma once
/// SIGINT/SIGTERM for a run: the first signal asks the scheduler to start no
/// new host (hosts in flight finish and the report is written); the handler
/// then resets itself, so a second signal ends the process at once (the
/// journal keeps what happened for `fleetmend resume`).
#include <atomic>

namespace fleetmend {

/// Installs the handlers (once per process) and returns the flag they set.
[[nodiscard]] const std::atomic<bool>& install_stop_handlers() noexcept;

}  // namespace fleetmend
