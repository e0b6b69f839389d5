#pragma once
// The real fleetmend binary as a child process the test can signal or
// SIGKILL at a moment of its choosing, bounded in time.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend::test {

class child_process {
public:
    /// Starts FLEETMEND_BINARY with `args`, stdin from /dev/null, stdout and
    /// stderr into `log`. pid() is -1 when it could not start.
    child_process(const std::vector<std::string>& args, const std::filesystem::path& log);
    /// Starts `command` as given (command[0] a path): fleetmend through a
    /// program that execs it, e.g. `ip netns exec NAME fleetmend ...`, so
    /// the signals sent reach fleetmend itself.
    struct whole_command {
        std::vector<std::string> argv;
    };
    child_process(const whole_command& command, const std::filesystem::path& log);
    ~child_process();  // SIGKILLs a child still running
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    /// The exit status once it ended (128 + signal when a signal ended it).
    [[nodiscard]] std::optional<int> poll();
    /// Waits up to `limit`; SIGKILLs it after that and returns -1.
    int wait(std::chrono::milliseconds limit);
    void send(int signal_number) const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

/// `fleetmend ARGS...` to the end (bounded); output in `log`.
struct finished_child {
    int status = -1;
    std::string output;
};
finished_child run_to_end(const std::vector<std::string>& args, const std::filesystem::path& log,
                          std::chrono::milliseconds limit);

std::string read_text(const std::filesystem::path& path);

/// Waits until `log` holds `text`; false on time-out.
bool wait_for_text(const std::filesystem::path& log, const std::string& text, std::chrono::milliseconds limit);

}  // namespace fleetmend::test
