#include "orchestrator/engine/stop_signal.hpp"

#include <csignal>
#include <cstring>
#include <unistd.h>

namespace fleetmend {
namespace {

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

extern "C" void fleetmend_engine_on_stop_signal(int) {
    stop_requested.store(true);
    static const char note[] =
        "\nstopping: no new host starts, hosts in flight finish (signal again to abort now)\n";
    // write(2) is async-signal-safe; stdio is not.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, note, sizeof note - 1);
}

}  // namespace

const std::atomic<bool>& install_stop_handlers() noexcept {
    static const bool installed = [] {
        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_handler = fleetmend_engine_on_stop_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND;  // the second signal gets the default: terminate
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
        return true;
    }();
    (void)installed;
    return stop_requested;
}

}  // namespace fleetmend
