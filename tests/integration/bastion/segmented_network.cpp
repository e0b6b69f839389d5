#include "segmented_network.hpp"

#include "tests/integration/support/child_process.hpp"
#include "tests/integration/teredo/teredo_netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace fleetmend::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* name_prefix = "fmj";  // fleetmend jump: every namespace and link we create

bool executable(const char* path) { return ::access(path, X_OK) == 0; }

}  // namespace

std::string segmented_network_unavailable_reason() {
    if (::geteuid() != 0) return "needs root (network namespaces, veth, sshd, test accounts)";
    if (!executable("/usr/sbin/ip") && !executable("/sbin/ip") && !executable("/usr/bin/ip"))
        return "needs `ip` (apt-get install iproute2)";
    if (!executable("/usr/sbin/sshd")) return "needs /usr/sbin/sshd (apt-get install openssh-server)";
    return {};
}

segmented_network::segmented_network() {
    static std::atomic<int> counter{0};
    delete_stale_namespaces(name_prefix);
    const std::string base = name_prefix + std::to_string(::getpid()) + "x" + std::to_string(counter++);
    workstation_ = base + "w";
    bastion_ = base + "b";
    far_ = base + "f";
    dir_ = fs::temp_directory_path() / (base + "-dir");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms(0755));
    const std::string wb = base + "wb", bw = base + "bw", bf = base + "bf", fb = base + "fb";  // <= 15 characters
    const auto log = dir_ / "setup.log";
    const std::vector<std::vector<std::string>> steps{
        {"ip", "netns", "add", workstation_},
        {"ip", "netns", "add", bastion_},
        {"ip", "netns", "add", far_},
        {"ip", "link", "add", wb, "netns", workstation_, "type", "veth", "peer", "name", bw, "netns", bastion_},
        {"ip", "link", "add", bf, "netns", bastion_, "type", "veth", "peer", "name", fb, "netns", far_},
        {"ip", "-n", workstation_, "addr", "add", std::string(workstation_address) + "/24", "dev", wb},
        {"ip", "-n", bastion_, "addr", "add", std::string(bastion_address) + "/24", "dev", bw},
        {"ip", "-n", bastion_, "addr", "add", std::string(bastion_far_address) + "/24", "dev", bf},
        {"ip", "-n", far_, "addr", "add", std::string(far_address) + "/24", "dev", fb},
        {"ip", "-n", workstation_, "link", "set", "lo", "up"},
        {"ip", "-n", bastion_, "link", "set", "lo", "up"},
        {"ip", "-n", far_, "link", "set", "lo", "up"},
        {"ip", "-n", workstation_, "link", "set", wb, "up"},
        {"ip", "-n", bastion_, "link", "set", bw, "up"},
        {"ip", "-n", bastion_, "link", "set", bf, "up"},
        {"ip", "-n", far_, "link", "set", fb, "up"},
        // The workstation would send everything to the bastion, which must not forward it.
        {"ip", "-n", workstation_, "route", "add", "default", "via", bastion_address},
        {"ip", "netns", "exec", bastion_, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"},
        {"ip", "-n", bastion_, "route", "add", "203.0.113.0/25", "via", far_address},
        {"ip", "-n", far_, "route", "add", "local", "203.0.113.0/24", "dev", "lo"},
        {"ip", "-n", far_, "route", "add", "default", "via", bastion_far_address},
    };
    for (const auto& step : steps) {
        if (run_program(step, log) != 0) {
            const auto output = read_text(log);
            cleanup();
            std::string command;
            for (const auto& word : step) command += word + " ";
            throw std::runtime_error("network set-up failed at `" + command + "`: " + output);
        }
    }
}

segmented_network::~segmented_network() { cleanup(); }

void segmented_network::cleanup() noexcept {
    for (const auto* ns : {&workstation_, &far_, &bastion_})
        if (!ns->empty()) delete_namespace(*ns, dir_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

void segmented_network::run_in(const std::string& ns, const std::function<void()>& work) {
    teredo_netns::run_in(ns, work);
}

bool segmented_network::tcp_reaches(const std::string& ns, const std::string& address, unsigned port,
                                    std::string& why) {
    bool reached = false;
    run_in(ns, [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = "no socket";
            return;
        }
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
        int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 2000) == 1) {
                int error = 0;
                socklen_t len = sizeof error;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
                rc = error == 0 ? 0 : -1;
                errno = error;
            } else {
                errno = ETIMEDOUT;
            }
        }
        reached = rc == 0;
        if (!reached) why = std::strerror(errno);
        ::close(fd);
    });
    return reached;
}

}  // namespace fleetmend::test
