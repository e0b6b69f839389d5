#pragma once
/// The second-signal half of the stop path, for any command that drives
/// hosts (run, resume, rollback, exec): while `work` runs, a second
/// SIGINT/SIGTERM/SIGHUP requests `cancel` (the steps in flight end cut off:
/// WinRM Signal terminate and shell deleted, SSH signal TERM and channel
/// closed) and waits for `work` to return, at most `grace`. When it returns
/// in time, the caller goes on as usual: it writes what it writes and says
/// how the hosts ended. When it does not, `abandon` runs on the watcher
/// thread; it must end the process (std::_Exit), since the work still holds
/// the hosts.
#include <chrono>
#include <functional>
#include <stop_token>

namespace fleetmend {

/// How long a second signal waits for the hosts in flight to end their
/// cancelled steps: a WinRM Receive the host holds lasts up to 5 s
/// (OperationTimeout), then Signal and Delete; an SSH channel ends within a
/// poll slice. Past it the process ends with those commands still open.
inline constexpr std::chrono::seconds abort_grace{10};

/// Runs `work`; true when a second signal came while it ran.
bool run_abortable(std::stop_source& cancel, const std::function<void()>& work,
                   const std::function<void()>& abandon, std::chrono::milliseconds grace = abort_grace);

}  // namespace fleetmend
