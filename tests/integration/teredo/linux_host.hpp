#pragma once
/// A Linux "host" for end-to-end tests: the server namespace of a teredo_netns
/// with its own view of the files a service manager touches. Each command runs
/// through `ip netns exec` and a wrapper that bind-mounts scratch copies over
/// /run, /etc/rc?.d, /etc/default/miredo-server and /etc/miredo/miredo-server.conf,
/// so the playbook's init.d and update-rc.d calls change only the copies
/// (ip netns exec gives every command a private mount namespace). sysvinit
/// style: there is no systemd in the namespace. Like root in most containers,
/// commands run without CAP_SYS_PTRACE.
#include "teredo_netns.hpp"

#include <filesystem>
#include <string>

namespace fleetmend::test {

struct command_output {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

class linux_host {
public:
    explicit linux_host(const teredo_netns& net);
    ~linux_host() = default;
    linux_host(const linux_host&) = delete;
    linux_host& operator=(const linux_host&) = delete;

    /// Runs a sh command line on the host (as root, in its namespace and file view).
    command_output run(const std::string& command_line) const;

    /// Starts miredo-server the way the host's init script does; waits until it listens.
    void start_miredo_server_service() const;
    [[nodiscard]] bool miredo_server_running() const;
    [[nodiscard]] bool miredo_server_enabled() const;  // an S link in /etc/rc2.d

    /// Starts sshd on 192.0.2.221:22 inside the host, authorizing user_key() for root.
    void start_sshd();
    [[nodiscard]] std::filesystem::path user_key() const { return root_ / "user_ed25519"; }
    [[nodiscard]] std::filesystem::path known_hosts() const { return root_ / "known_hosts"; }

private:
    const teredo_netns& net_;
    std::filesystem::path root_;  // the scratch copies and the wrapper
};

}  // namespace fleetmend::test
