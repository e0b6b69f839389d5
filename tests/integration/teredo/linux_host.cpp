#include "linux_host.hpp"
#include "tests/support/test_files.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fleetmend::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void write_file(const fs::path& path, const std::string& text, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    std::ofstream(path) << text;
    fs::permissions(path, perms);
}

}  // namespace

linux_host::linux_host(const teredo_netns& net) : net_(net), root_(net.dir() / "host") {
    fs::create_directories(root_ / "run" / "sshd");
    fs::permissions(root_ / "run" / "sshd", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                fs::perms::others_read | fs::perms::others_exec);
    std::string mounts = "mount --bind '" + (root_ / "run").string() + "' /run\n";
    for (const char* level : {"0", "1", "2", "3", "4", "5", "6", "S"}) {
        const std::string dir = std::string("rc") + level + ".d";
        fs::copy(fs::path("/etc") / dir, root_ / dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        mounts += "mount --bind '" + (root_ / dir).string() + "' /etc/" + dir + "\n";
    }
    // Debian creates no miredo-server user: run the unprivileged part as nobody.
    write_file(root_ / "default-miredo-server", "START_MIREDO_SERVER=true\nDAEMON_ARGS=\"-u nobody\"\n");
    write_file(root_ / "miredo-server.conf", std::string("ServerBindAddress ") + teredo_netns::server_address +
                                                 "\nServerBindAddress2 " + teredo_netns::server_address2 + "\n");
    mounts += "mount --bind '" + (root_ / "default-miredo-server").string() + "' /etc/default/miredo-server\n";
    mounts += "mount --bind '" + (root_ / "miredo-server.conf").string() + "' /etc/miredo/miredo-server.conf\n";
    // Without CAP_SYS_PTRACE, as root is in most containers: an init script
    // cannot then read /proc/PID/exe of a daemon that dropped to another user
    // (start-stop-daemon --exec), and the playbook must still stop it.
    write_file(root_ / "in-host.sh",
               "#!/bin/sh\nset -e\n" + mounts + "exec setpriv --bounding-set -sys_ptrace -- \"$@\"\n",
               fs::perms::owner_all);
}

command_output linux_host::run(const std::string& command_line) const {
    static int counter = 0;
    const auto log = root_ / ("command-" + std::to_string(counter++) + ".log");
    command_output result;
    result.exit_code = run_program({"ip", "netns", "exec", net_.server_ns(), (root_ / "in-host.sh").string(), "sh", "-c",
                                    command_line},
                                   log);
    result.output = read_text(log);
    return result;
}

void linux_host::start_miredo_server_service() const {
    const auto started = run("/etc/init.d/miredo-server start");
    if (started.exit_code != 0) throw std::runtime_error("miredo-server init script failed: " + started.output);
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        if (teredo_netns::udp_port_bound(net_.server_ns(), 3544)) return;
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("miredo-server did not bind UDP 3544 within 5 s");
}

bool linux_host::miredo_server_running() const {
    return run("/etc/init.d/miredo-server status").exit_code == 0;
}

bool linux_host::miredo_server_enabled() const {
    return run("ls /etc/rc2.d/S[0-9][0-9]miredo-server").exit_code == 0;
}

void linux_host::start_sshd() {
    const auto keygen_log = root_ / "keygen.log";
    for (const auto* key : {"host_ed25519", "user_ed25519"}) {
        fs::remove(root_ / key);
        fs::remove(root_ / (std::string(key) + ".pub"));
        if (run_program({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleetmend-e2e", "-f", (root_ / key).string()},
                        keygen_log) != 0)
            throw std::runtime_error("ssh-keygen failed: " + read_text(keygen_log));
    }
    fs::copy_file(root_ / "user_ed25519.pub", root_ / "authorized_keys", fs::copy_options::overwrite_existing);
    // known_hosts: "<address> <type> <key>" (port 22 needs no brackets).
    std::istringstream host_key(read_text(root_ / "host_ed25519.pub"));
    std::string type, key;
    host_key >> type >> key;
    write_file(known_hosts(), std::string(teredo_netns::server_address) + " " + type + " " + key + "\n");
    write_file(root_ / "sshd_config",
               "ListenAddress " + std::string(teredo_netns::server_address) + ":22\n"
               "HostKey " + (root_ / "host_ed25519").string() + "\n"
               "AuthorizedKeysFile " + (root_ / "authorized_keys").string() + "\n"
               "PidFile /run/sshd.pid\n"
               "PermitRootLogin prohibit-password\n"
               "PasswordAuthentication no\n"
               "KbdInteractiveAuthentication no\n"
               "UsePAM no\n"
               "StrictModes no\n"
               "LogLevel VERBOSE\n");
    const auto log = root_ / "sshd.log";
    const pid_t pid = spawn_program({"ip", "netns", "exec", net_.server_ns(), (root_ / "in-host.sh").string(),
                                     "/usr/sbin/sshd", "-D", "-e", "-f", (root_ / "sshd_config").string()},
                                    log);
    if (pid < 0) throw std::runtime_error("cannot start sshd");
    // teredo_netns kills it with everything else in the namespace; wait for its socket.
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        const auto listening = run("ss -H -ltn 'sport = :22' | grep -q .");
        if (listening.exit_code == 0) return;
        std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("sshd did not listen within 5 s: " + read_text(log));
}

}  // namespace fleetmend::test
