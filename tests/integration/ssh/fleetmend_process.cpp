#include "fleetmend_process.hpp"

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
namespace fs = std::filesystem;

fleetmend_run run_fleetmend(const std::vector<std::string>& args, const fs::path& report_dir,
                            std::chrono::seconds limit) {
    fs::create_directories(report_dir);
    const fs::path log = report_dir / "fleetmend.out";
    std::vector<std::string> argv_text{FLEETMEND_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    argv_text.insert(argv_text.end(), {"--report-dir", report_dir.string()});
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    fleetmend_run run;
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        run.output = "cannot start " + argv_text[0];
        return run;
    }
    int status = 0;
    for (;;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() - t0 > limit) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    run.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    std::ifstream out(log);
    std::ostringstream text;
    text << out.rdbuf();
    run.output = text.str();
    for (const auto& entry : fs::directory_iterator(report_dir)) {
        if (entry.path().extension() == ".json") {
            std::ifstream in(entry.path());
            run.report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
        }
    }
    return run;
}

const nlohmann::json& report_host(const nlohmann::json& report, const std::string& name) {
    static const nlohmann::json none;
    if (!report.is_object() || !report.contains("hosts")) return none;
    for (const auto& h : report["hosts"]) {
        if (h.value("name", "") == name) return h;
    }
    return none;
}

}  // namespace fleetmend::test
