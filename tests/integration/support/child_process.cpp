#include "tests/integration/support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace fleetmend::test {

namespace {

std::vector<std::string> fleetmend_with(const std::vector<std::string>& args) {
    std::vector<std::string> argv{FLEETMEND_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace

child_process::child_process(const std::vector<std::string>& args, const std::filesystem::path& log)
    : child_process(whole_command{fleetmend_with(args)}, log) {}

child_process::child_process(const whole_command& command, const std::filesystem::path& log) {
    std::vector<std::string> argv_text = command.argv;
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
}

child_process::~child_process() {
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

std::optional<int> child_process::poll() {
    if (status_ || pid_ <= 0) return status_;
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_)
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    return status_;
}

int child_process::wait(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!poll()) {
        if (pid_ <= 0) return -1;
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            status_ = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return *status_;
}

void child_process::send(int signal_number) const {
    if (pid_ > 0 && !status_) ::kill(pid_, signal_number);
}

finished_child run_to_end(const std::vector<std::string>& args, const std::filesystem::path& log,
                          std::chrono::milliseconds limit) {
    child_process child(args, log);
    finished_child result;
    result.status = child.wait(limit);
    result.output = read_text(log);
    return result;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace fleetmend::test

namespace fleetmend::test {

bool wait_for_text(const std::filesystem::path& log, const std::string& text, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (read_text(log).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

}  // namespace fleetmend::test
