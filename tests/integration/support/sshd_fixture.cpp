#include "tests/integration/support/sshd_fixture.hpp"

#include "tests/support/test_skip.hpp"
#include "tests/support/test_files.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fleetmend::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr unsigned max_listen_per_sshd = 16;  // sshd's MAX_LISTEN_SOCKS

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

/// A port the kernel considers free on `address` right now.
std::uint16_t free_port(const std::string& address) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    socklen_t len = sizeof sa;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot find a free port on " + address);
    }
    ::close(fd);
    return ntohs(sa.sin_port);
}

bool accepts(const std::string& address, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
    return ok;
}

pid_t spawn_sshd(const fs::path& config, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::string cfg = config.string();
    std::array<char*, 6> argv{const_cast<char*>("/usr/sbin/sshd"), const_cast<char*>("-D"),
                              const_cast<char*>("-e"), const_cast<char*>("-f"), cfg.data(), nullptr};
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start /usr/sbin/sshd (is openssh-server installed?)");
    return pid;
}

}  // namespace

std::string run_checked(const std::string& command_line) {
    std::string output;
    FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run: " + command_line);
    std::array<char, 4096> buf{};
    while (const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) output.append(buf.data(), n);
    const int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error("command failed: " + command_line + "\n" + output);
    return output;
}

sshd_fixture::sshd_fixture(options opts) {
    skip_unless_root("a real sshd on loopback and two local test accounts");
    if (!opts.addresses.empty()) {
        addresses_ = opts.addresses;
    } else {
        if (opts.hosts == 0 || opts.first_host + opts.hosts > 255) throw std::invalid_argument("hosts out of 127.0.1.1-254");
        for (unsigned i = 0; i < opts.hosts; ++i) addresses_.push_back("127.0.1." + std::to_string(opts.first_host + i));
    }

    std::string tmpl = (fs::temp_directory_path() / "fleetmend-sshd-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    try {
        // Readable by the password-only test user, who must reach bin/netsh too.
        fs::permissions(dir_, fs::perms(0755));
        fs::create_directories(dir_ / "state");
        fs::permissions(dir_ / "state", fs::perms::all);  // the test users' netsh writes here
        fs::create_directories(dir_ / "authorized_keys");
        fs::create_directories("/run/sshd");  // sshd's privilege separation directory
        make_keys();
        make_test_users();
        install_netsh();
        for (const auto& a : addresses_) {
            fs::create_directories(state_dir(a));
            fs::permissions(state_dir(a), fs::perms::all);
        }
        start_all();
        std::string kh;  // after start: the lines carry the port sshd got
        for (const auto& a : addresses_) kh += known_hosts_line(a) + "\n";
        write_file(known_hosts(), kh);
    } catch (...) {
        stop();
        std::error_code ec;
        fs::remove_all(dir_, ec);
        throw;
    }
}

sshd_fixture::~sshd_fixture() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);  // also releases any netsh blocked on a "hang" flag
}

void sshd_fixture::make_keys() {
    const auto keygen = [&](const char* name) {
        run_checked("ssh-keygen -q -t ed25519 -N '' -C fleetmend-test -f " + (dir_ / name).string());
    };
    keygen("host_ed25519");
    keygen("user_ed25519");
    keygen("other_ed25519");
    host_public_key_ = trim(read_text(dir_ / "host_ed25519.pub"));
    wrong_public_key_ = trim(read_text(dir_ / "other_ed25519.pub"));
    std::istringstream fp(run_checked("ssh-keygen -l -E sha256 -f " + (dir_ / "host_ed25519.pub").string()));
    std::string bits;
    fp >> bits >> fingerprint_;
}

/// Two accounts with /bin/sh as their shell, so that no login script of the
/// machine (root's .bashrc, say) slows or changes the test sessions.
void sshd_fixture::make_test_users() {
    key_account_ = std::make_unique<test_account>("key", dir_ / "home", test_account::login::key_only);
    password_account_ = std::make_unique<test_account>("pw", dir_ / "home", test_account::login::password);
    // Only the key user's key is authorized; the password user has none on purpose.
    write_file(dir_ / "authorized_keys" / key_user(), read_text(dir_ / "user_ed25519.pub"));
}

void sshd_fixture::install_netsh() const {
    fs::create_directories(dir_ / "bin");
    for (const char* tool : {"netsh", "reg", "standin.sh"}) {
        fs::copy_file(fs::path(FLEETMEND_STANDIN_DIR) / tool, dir_ / "bin" / tool, fs::copy_options::overwrite_existing);
        fs::permissions(dir_ / "bin" / tool, fs::perms(0755));
    }
}

fs::path sshd_fixture::write_config(unsigned instance, std::size_t first, std::size_t count) const {
    std::ostringstream c;
    c << "Port " << port_ << "\n";
    for (std::size_t i = first; i < first + count; ++i) c << "ListenAddress " << addresses_[i] << "\n";
    c << "HostKey " << (dir_ / "host_ed25519").string() << "\n"
      << "AuthorizedKeysFile " << (dir_ / "authorized_keys").string() << "/%u\n"
      << "PubkeyAuthentication yes\n"
      << "PasswordAuthentication yes\n"
      << "KbdInteractiveAuthentication no\n"
      << "PermitRootLogin no\n"
      << "UsePAM no\n"
      << "StrictModes no\n"
      << "PidFile " << (dir_ / ("sshd-" + std::to_string(instance) + ".pid")).string() << "\n"
      // A whole simulated fleet connects at once; the default 10:30:100 would drop some.
      << "MaxStartups 500\n"
      << "MaxSessions 50\n"
      << "LogLevel VERBOSE\n"
      << "SetEnv PATH=" << (dir_ / "bin").string() << ":/usr/local/bin:/usr/bin:/bin"
      << " FLEETMEND_NETSH_STATE=" << (dir_ / "state").string() << "\n";
    const fs::path path = dir_ / ("sshd-" + std::to_string(instance) + ".conf");
    write_file(path, c.str());
    return path;
}

void sshd_fixture::start_all() {
    for (int attempt = 0;; ++attempt) {
        port_ = free_port(addresses_.front());
        std::string failure;
        for (std::size_t first = 0, n = 0; first < addresses_.size(); first += max_listen_per_sshd, ++n) {
            const std::size_t count = std::min<std::size_t>(max_listen_per_sshd, addresses_.size() - first);
            const fs::path config = write_config(static_cast<unsigned>(n), first, count);
            run_checked("/usr/sbin/sshd -t -f " + config.string());  // a bad config fails loudly here
            const fs::path log = dir_ / ("sshd-" + std::to_string(n) + ".log");
            const pid_t pid = spawn_sshd(config, log);
            pids_.push_back(pid);
            const auto until = std::chrono::steady_clock::now() + 10s;
            while (!accepts(addresses_[first], port_)) {
                int status = 0;
                if (::waitpid(pid, &status, WNOHANG) == pid) {
                    pids_.pop_back();
                    failure = "sshd exited: " + read_text(log);
                    break;
                }
                if (std::chrono::steady_clock::now() > until) {
                    failure = "sshd did not accept on " + addresses_[first] + ":" + std::to_string(port_) +
                              " within 10 s: " + read_text(log);
                    break;
                }
                std::this_thread::sleep_for(20ms);
            }
            if (!failure.empty()) break;
        }
        if (failure.empty()) return;
        stop();
        // Another process may have taken the port between our probe and sshd's bind.
        if (attempt >= 4 || failure.find("Address already in use") == std::string::npos) {
            throw std::runtime_error(failure);
        }
    }
}

void sshd_fixture::stop() noexcept {
    for (const pid_t pid : pids_) ::kill(pid, SIGTERM);
    for (const pid_t pid : pids_) {
        int status = 0;
        for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(20ms);
        if (::waitpid(pid, &status, WNOHANG) == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
        }
    }
    pids_.clear();
}

std::string sshd_fixture::known_hosts_line(const std::string& address, bool wrong_key) const {
    // "ssh-ed25519 AAAA... comment" -> drop the comment
    const std::string& key = wrong_key ? wrong_public_key_ : host_public_key_;
    const std::string key_only = key.substr(0, key.rfind(' '));
    return "[" + address + "]:" + std::to_string(port_) + " " + key_only;
}

fs::path sshd_fixture::state_dir(const std::string& address) const { return dir_ / "state" / address; }

void sshd_fixture::set_teredo_type(const std::string& address, const std::string& type) const {
    write_file(state_dir(address) / "type", type + "\n");
}

std::string sshd_fixture::teredo_type(const std::string& address) const {
    const fs::path p = state_dir(address) / "type";
    return fs::exists(p) ? trim(read_text(p)) : "default";
}

void sshd_fixture::set_flag(const std::string& address, const std::string& flag, bool on) const {
    const fs::path p = state_dir(address) / flag;
    if (on) {
        write_file(p, "");
    } else {
        std::error_code ec;
        fs::remove(p, ec);
    }
}

void sshd_fixture::set_policy(const std::string& address, const std::string& type) const {
    write_file(state_dir(address) / "policy", type + "\n");
}

std::vector<std::string> sshd_fixture::netsh_calls(const std::string& address) const {
    std::vector<std::string> calls;
    std::istringstream in(read_text(state_dir(address) / "calls.log"));
    for (std::string line; std::getline(in, line);) calls.push_back(line);
    return calls;
}

}  // namespace fleetmend::test
