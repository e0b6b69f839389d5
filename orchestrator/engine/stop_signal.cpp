#include "orchestrator/engine/stop_signal.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace fleetmend {
namespace {

std::atomic<bool> stop_requested{false};
std::atomic<int> signals_seen{0};
std::atomic<bool> abort_watched{false};
std::atomic<bool> run_has_journal{true};
// The handler wakes the abort watcher through this pipe (write(2) is
// async-signal-safe; a condition variable is not).
int abort_pipe[2] = {-1, -1};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");
static_assert(std::atomic<int>::is_always_lock_free, "the count is kept by a signal handler");

void say(const char* text, std::size_t size) {
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text, size);
}

void die_by(int signal_number) {
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    ::sigaction(signal_number, &action, nullptr);
    ::raise(signal_number);
}

extern "C" void fleetmend_engine_on_stop_signal(int signal_number) {
    const int seen = signals_seen.fetch_add(1) + 1;
    if (seen == 1) {
        stop_requested.store(true);
        static const char note[] =
            "\nstopping: no new host starts, hosts in flight finish, then the report is written; `fleetmend resume "
            "<journal>` continues the run later (signal again to abort the hosts in flight)\n";
        static const char note_without_journal[] =
            "\nstopping: no new host starts, hosts in flight finish, then their answers are shown (signal again to "
            "abort the hosts in flight)\n";
        if (run_has_journal.load()) say(note, sizeof note - 1);
        else say(note_without_journal, sizeof note_without_journal - 1);
        return;
    }
    if (seen == 2 && abort_watched.load() && abort_pipe[1] >= 0) {
        static const char note[] =
            "\naborting: stopping the commands in flight on their hosts, then writing the journal and the report "
            "(signal again to end at once)\n";
        say(note, sizeof note - 1);
        [[maybe_unused]] const auto woke = ::write(abort_pipe[1], "!", 1);
        return;
    }
    die_by(signal_number);
}

}  // namespace

const std::atomic<bool>& install_stop_handlers() noexcept {
    static const bool installed = [] {
        if (::pipe2(abort_pipe, O_CLOEXEC | O_NONBLOCK) != 0) abort_pipe[0] = abort_pipe[1] = -1;
        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_handler = fleetmend_engine_on_stop_signal;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
        // A closed terminal (or ssh session) is a request to stop, not a kill.
        ::sigaction(SIGHUP, &action, nullptr);
        // A closed output pipe (`| head -1`): writes fail with EPIPE and the
        // run goes on to finish its hosts and write the journal and report.
        struct sigaction ignore;
        std::memset(&ignore, 0, sizeof ignore);
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, nullptr);
        return true;
    }();
    (void)installed;
    return stop_requested;
}

void stop_notes_without_journal() noexcept { run_has_journal.store(false); }

abort_watch::abort_watch(std::function<void()> on_abort) : on_abort_(std::move(on_abort)) {
    abort_watched.store(true);
    watcher_ = std::jthread([this] {
        while (!done_.load()) {
            pollfd wait{abort_pipe[0], POLLIN, 0};
            // The timeout only bounds how long the destructor waits for this thread.
            if (::poll(&wait, abort_pipe[0] >= 0 ? 1 : 0, 100) > 0 && (wait.revents & POLLIN)) {
                char byte;
                if (::read(abort_pipe[0], &byte, 1) == 1 && !done_.load() && on_abort_) on_abort_();
            }
        }
    });
}

abort_watch::~abort_watch() {
    abort_watched.store(false);
    done_.store(true);
}

}  // namespace fleetmend
