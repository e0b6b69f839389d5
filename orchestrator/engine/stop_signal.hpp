#pragma once
/// SIGINT/SIGTERM/SIGHUP (a closed terminal) for a run, and SIGPIPE ignored
/// (a closed output pipe fails writes, never the run). The first signal asks the scheduler to start no
/// new host (hosts in flight finish and the report is written). A second
/// signal aborts the steps in flight: while an abort_watch lives, its
/// callback runs (the run driver's cancels the commands in flight, waits for
/// their hosts a bounded time, and lets the run write the journal and the
/// report); without one the process ends at once (the journal keeps what
/// happened for `fleetmend resume`). A third signal always ends the process
/// at once.
#include <atomic>
#include <functional>
#include <thread>

namespace fleetmend {

/// Installs the handlers (once per process) and returns the flag they set.
[[nodiscard]] const std::atomic<bool>& install_stop_handlers() noexcept;

/// For a command that keeps no journal (exec): the first signal's note then
/// says the answers are shown, not that `fleetmend resume` continues.
void stop_notes_without_journal() noexcept;

/// While it lives, a second SIGINT/SIGTERM/SIGHUP runs `on_abort` on a helper thread
/// (not in the signal handler, so it may write files and wait). One watch at
/// a time.
class abort_watch {
public:
    explicit abort_watch(std::function<void()> on_abort);
    ~abort_watch();
    abort_watch(const abort_watch&) = delete;
    abort_watch& operator=(const abort_watch&) = delete;

private:
    std::atomic<bool> done_{false};
    std::function<void()> on_abort_;
    std::jthread watcher_;
};

}  // namespace fleetmend
