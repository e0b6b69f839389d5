#include "orchestrator/engine/abortable_work.hpp"

#include "orchestrator/engine/stop_signal.hpp"

#include <condition_variable>
#include <mutex>

namespace fleetmend {
namespace {

/// What the abort watcher and the thread running the hosts share.
struct abort_handshake {
    std::mutex mutex;
    std::condition_variable changed;
    bool work_done = false;  // the hosts in flight returned
    bool aborted = false;    // a second signal came
    bool abandoned = false;  // the grace ran out: the watcher ends the process
};

}  // namespace

bool run_abortable(std::stop_source& cancel, const std::function<void()>& work,
                   const std::function<void()>& abandon, std::chrono::milliseconds grace) {
    abort_handshake handshake;
    abort_watch watch([&] {
        {
            std::lock_guard lock(handshake.mutex);
            if (handshake.work_done) return;
            handshake.aborted = true;
        }
        cancel.request_stop();
        {
            std::unique_lock lock(handshake.mutex);
            if (handshake.changed.wait_for(lock, grace, [&] { return handshake.work_done; })) return;
            handshake.abandoned = true;
        }
        abandon();
    });
    work();
    std::unique_lock lock(handshake.mutex);
    handshake.work_done = true;
    handshake.changed.notify_all();
    // The watcher owns the ending now (abandon ends the process).
    if (handshake.abandoned) handshake.changed.wait(lock, [] { return false; });
    return handshake.aborted;
}

}  // namespace fleetmend
