#include "jump_sshd.hpp"

#include "segmented_network.hpp"
#include "tests/integration/support/child_process.hpp"
#include "tests/integration/support/sshd_fixture.hpp"
#include "tests/integration/teredo/teredo_netns.hpp"

#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fleetmend::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string key_only(const fs::path& public_key_file) {
    std::string line = read_text(public_key_file);
    // "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..."
    const auto first = line.find(' ');
    const auto second = line.find(' ', first + 1);
    return line.substr(0, second);
}

}  // namespace

jump_sshd::jump_sshd(const std::string& ns, const std::string& address, const std::string& user,
                     const fs::path& authorized_key_file, const fs::path& dir, const std::string& name)
    : address_(address), dir_(dir / name) {
    fs::create_directories(dir_ / "authorized_keys");
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory
    run_checked("ssh-keygen -q -t ed25519 -N '' -C " + name + " -f " + (dir_ / "host_ed25519").string());
    run_checked("ssh-keygen -q -t ed25519 -N '' -C other -f " + (dir_ / "other_ed25519").string());
    public_key_ = key_only(dir_ / "host_ed25519.pub");
    wrong_key_ = key_only(dir_ / "other_ed25519.pub");
    fs::copy_file(authorized_key_file, dir_ / "authorized_keys" / user, fs::copy_options::overwrite_existing);
    const fs::path config = dir_ / "sshd.conf";
    std::ofstream(config) << "ListenAddress " << address << ":22\n"
                          << "HostKey " << (dir_ / "host_ed25519").string() << "\n"
                          << "AuthorizedKeysFile " << (dir_ / "authorized_keys").string() << "/%u\n"
                          << "PubkeyAuthentication yes\n"
                          << "PasswordAuthentication no\n"
                          << "KbdInteractiveAuthentication no\n"
                          << "PermitRootLogin no\n"
                          << "UsePAM no\n"
                          << "StrictModes no\n"
                          << "PidFile " << (dir_ / "sshd.pid").string() << "\n"
                          << "LogLevel VERBOSE\n";
    run_checked("/usr/sbin/sshd -t -f " + config.string());
    const fs::path log = dir_ / "sshd.log";
    pid_ = spawn_program({"ip", "netns", "exec", ns, "/usr/sbin/sshd", "-D", "-e", "-f", config.string()}, log);
    if (pid_ < 0) throw std::runtime_error("cannot start sshd in " + ns);
    const auto until = std::chrono::steady_clock::now() + 10s;
    std::string why;
    while (!segmented_network::tcp_reaches(ns, address, 22, why)) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("the jump host's sshd exited: " + read_text(log));
        }
        if (std::chrono::steady_clock::now() > until) {
            stop();
            throw std::runtime_error("the jump host's sshd did not listen on " + address + ":22: " + read_text(log));
        }
        std::this_thread::sleep_for(20ms);
    }
}

std::string jump_sshd::known_hosts_line(bool wrong_key) const {
    return address_ + " " + (wrong_key ? wrong_key_ : public_key_);
}

std::string jump_sshd::log_text() const { return read_text(dir_ / "sshd.log"); }

unsigned jump_sshd::accepted_logins() const {
    std::istringstream lines(log_text());
    unsigned n = 0;
    for (std::string line; std::getline(lines, line);) n += line.find("Accepted publickey for") != std::string::npos;
    return n;
}

void jump_sshd::stop() noexcept {
    stop_program(pid_);
    pid_ = -1;
}

}  // namespace fleetmend::test
