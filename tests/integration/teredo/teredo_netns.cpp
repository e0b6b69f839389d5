#include "teredo_netns.hpp"
#include "tests/support/test_files.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fleetmend::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* name_prefix = "fmp";  // fleetmend probe: every namespace and link we create

bool on_path(const std::string& program) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"})
        if (::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
    return false;
}

}  // namespace

/// Kills what still runs inside `ns` (ids from `ip netns pids`) and deletes it.
void delete_namespace(const std::string& ns, const fs::path& scratch) noexcept {
    try {
        const auto pids_file = scratch / ("pids-" + ns);
        run_program({"ip", "netns", "pids", ns}, pids_file);
        std::istringstream pids(read_text(pids_file));
        for (pid_t pid = 0; pids >> pid;) stop_program(pid, 1000ms);
        fs::remove(pids_file);
    } catch (...) {
    }
    run_program({"ip", "netns", "del", ns});
}

/// Namespaces left by a test process that died without cleaning up (its pid is gone).
void delete_stale_namespaces(const std::string& prefix) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator("/run/netns", ignored)) {
        const auto name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const auto x = name.find('x');
        if (x == std::string::npos) continue;
        const pid_t owner = static_cast<pid_t>(std::atoi(name.substr(prefix.size(), x - prefix.size()).c_str()));
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) delete_namespace(name, fs::temp_directory_path());
    }
}

std::string teredo_netns_unavailable_reason() {
    if (::geteuid() != 0) return "needs root (network namespaces, veth, miredo-server); run the integration tests as root";
    if (!on_path("ip")) return "needs `ip` (apt-get install iproute2)";
    if (!on_path("miredo-server")) return "needs miredo-server (apt-get install miredo-server)";
    return {};
}

int run_program(const std::vector<std::string>& argv, const fs::path& log) {
    const pid_t pid = spawn_program(argv, log);
    if (pid < 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t spawn_program(const std::vector<std::string>& argv, const fs::path& log) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

void stop_program(pid_t pid, std::chrono::milliseconds grace) noexcept {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return;
        if (done < 0 && errno == ECHILD) {  // not our child (e.g. found through ip netns pids)
            if (::kill(pid, 0) != 0) return;
        }
        std::this_thread::sleep_for(20ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
}

teredo_netns::teredo_netns() {
    static std::atomic<int> counter{0};
    delete_stale_namespaces(name_prefix);
    const std::string base = name_prefix + std::to_string(::getpid()) + "x" + std::to_string(counter++);
    server_ns_ = base + "s";
    client_ns_ = base + "c";
    dir_ = fs::temp_directory_path() / (base + "-dir");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string server_link = base + "a";  // at most 15 characters
    const std::string client_link = base + "b";
    const auto log = dir_ / "setup.log";
    const std::vector<std::vector<std::string>> steps{
        {"ip", "netns", "add", server_ns_},
        {"ip", "netns", "add", client_ns_},
        {"ip", "link", "add", server_link, "netns", server_ns_, "type", "veth", "peer", "name", client_link, "netns",
         client_ns_},
        {"ip", "-n", server_ns_, "addr", "add", std::string(server_address) + "/24", "dev", server_link},
        {"ip", "-n", server_ns_, "addr", "add", std::string(server_address2) + "/24", "dev", server_link},
        {"ip", "-n", client_ns_, "addr", "add", std::string(client_address) + "/24", "dev", client_link},
        {"ip", "-n", server_ns_, "link", "set", "lo", "up"},
        {"ip", "-n", client_ns_, "link", "set", "lo", "up"},
        {"ip", "-n", server_ns_, "link", "set", server_link, "up"},
        {"ip", "-n", client_ns_, "link", "set", client_link, "up"},
    };
    for (const auto& step : steps) {
        if (run_program(step, log) != 0) {
            const auto output = read_text(log);
            cleanup();
            throw std::runtime_error("namespace set-up failed at `" + step[0] + " " + step[1] + " " + step[2] +
                                     " ...`: " + output);
        }
    }
}

teredo_netns::~teredo_netns() { cleanup(); }

void teredo_netns::cleanup() noexcept {
    delete_namespace(client_ns_, dir_);
    delete_namespace(server_ns_, dir_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

void teredo_netns::run_in(const std::string& ns, const std::function<void()>& work) {
    std::exception_ptr failure;
    std::thread worker([&] {
        try {
            const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw std::runtime_error("cannot open /run/netns/" + ns);
            const int rc = ::setns(fd, CLONE_NEWNET);
            ::close(fd);
            if (rc != 0) throw std::runtime_error("setns into " + ns + " failed");
            work();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

bool teredo_netns::udp_port_bound(const std::string& ns, std::uint16_t port) {
    bool bound = false;
    run_in(ns, [&] {
        std::istringstream table(read_text("/proc/thread-self/net/udp"));
        std::string line;
        std::getline(table, line);  // header
        while (std::getline(table, line)) {
            std::istringstream fields(line);
            std::string slot, local;
            fields >> slot >> local;  // "0: 0100007F:0DD4"
            const auto colon = local.find(':');
            if (colon != std::string::npos && std::stoul(local.substr(colon + 1), nullptr, 16) == port) bound = true;
        }
    });
    return bound;
}

miredo_server::miredo_server(const teredo_netns& net) : net_(net) {
    const auto conf = net.dir() / "miredo-server.conf";
    std::ofstream(conf) << "ServerBindAddress " << teredo_netns::server_address << "\n"
                        << "ServerBindAddress2 " << teredo_netns::server_address2 << "\n";
    const auto log = net.dir() / "miredo-server.log";
    // Debian creates no `miredo` user, so run the unprivileged part as nobody.
    pid_ = spawn_program({"ip", "netns", "exec", net.server_ns(), "miredo-server", "-f", "-u", "nobody", "-c",
                          conf.string(), "-p", (net.dir() / "miredo-server.pid").string()},
                         log);
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        if (teredo_netns::udp_port_bound(net.server_ns(), 3544)) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("miredo-server exited at start: " + read_text(log));
        }
        std::this_thread::sleep_for(20ms);
    }
    stop();
    throw std::runtime_error("miredo-server did not bind UDP 3544 within 5 s: " + read_text(log));
}

void miredo_server::stop() noexcept {
    if (pid_ <= 0) return;
    stop_program(pid_);
    pid_ = -1;
    // Its unprivileged child may outlive the parent for a moment.
    const auto until = std::chrono::steady_clock::now() + 3s;
    try {
        while (std::chrono::steady_clock::now() < until && teredo_netns::udp_port_bound(net_.server_ns(), 3544))
            std::this_thread::sleep_for(20ms);
    } catch (...) {
    }
}

}  // namespace fleetmend::test
