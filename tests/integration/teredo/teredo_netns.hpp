#pragma once
/// A private two-namespace network for Teredo tests: a server namespace with
/// 192.0.2.221 and 192.0.2.222 and a client namespace with 192.0.2.10, joined
/// by a veth pair. TEST-NET addresses, because miredo-server refuses private
/// and loopback ones; nothing leaves the machine because both ends live in
/// namespaces this fixture creates and deletes. Needs root and `ip netns`.
#include <sys/types.h>

#include <chrono>
#include <cstdint>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fleetmend::test {

/// Why these tests cannot run here (not root, no `ip`, no miredo-server), or empty.
[[nodiscard]] std::string teredo_netns_unavailable_reason();

/// Runs argv (no shell), returns its exit status; stdout and stderr go to `log`.
int run_program(const std::vector<std::string>& argv, const std::filesystem::path& log = "/dev/null");

/// Starts argv in the background and returns its pid.
pid_t spawn_program(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// Stops a process this test started: SIGTERM, then SIGKILL after `grace`.
void stop_program(pid_t pid, std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) noexcept;

/// Kills what still runs inside network namespace `ns` and deletes it
/// (`scratch`: a folder for the pid list).
void delete_namespace(const std::string& ns, const std::filesystem::path& scratch) noexcept;

/// Deletes namespaces named PREFIX<pid>x... whose creating process is gone
/// (a test that died without cleaning up).
void delete_stale_namespaces(const std::string& prefix);

class teredo_netns {
public:
    teredo_netns();  // throws std::runtime_error when set-up fails (after undoing what it did)
    ~teredo_netns();
    teredo_netns(const teredo_netns&) = delete;
    teredo_netns& operator=(const teredo_netns&) = delete;

    static constexpr const char* server_address = "192.0.2.221";
    static constexpr const char* server_address2 = "192.0.2.222";
    static constexpr const char* client_address = "192.0.2.10";

    [[nodiscard]] const std::string& server_ns() const noexcept { return server_ns_; }
    [[nodiscard]] const std::string& client_ns() const noexcept { return client_ns_; }
    /// A fresh scratch folder, removed with the fixture.
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

    /// Runs `work` on a thread that joined namespace `ns` (sockets it opens live there).
    static void run_in(const std::string& ns, const std::function<void()>& work);

    /// Whether some socket in `ns` is bound to UDP `port` (from /proc/thread-self/net/udp).
    [[nodiscard]] static bool udp_port_bound(const std::string& ns, std::uint16_t port);

private:
    void cleanup() noexcept;

    std::string server_ns_;
    std::string client_ns_;
    std::filesystem::path dir_;
};

/// A real miredo-server in the server namespace, bound to both server addresses.
class miredo_server {
public:
    explicit miredo_server(const teredo_netns& net);  // waits until it listens on UDP 3544
    ~miredo_server() { stop(); }
    miredo_server(const miredo_server&) = delete;
    miredo_server& operator=(const miredo_server&) = delete;
    void stop() noexcept;
    [[nodiscard]] pid_t pid() const noexcept { return pid_; }

private:
    const teredo_netns& net_;
    pid_t pid_ = -1;
};

}  // namespace fleetmend::test
