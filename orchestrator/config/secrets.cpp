// resolve_secrets: fetches each distinct password source once. Values go only
// into `secret` objects; messages name the source, never what it produced.
#include "orchestrator/config/bounded_file.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/inventory_view.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

namespace fleetmend {
namespace {

config_error secret_error(std::string message) {
    config_error error;
    error.key = "password";
    error.message = std::move(message);
    return error;
}

void wipe(std::string& text) {
    volatile char* p = text.data();
    for (std::size_t i = 0; i < text.size(); ++i) p[i] = 0;
    text.clear();
}

void trim_trailing_newlines(std::string& text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
}

std::expected<secret, config_error> from_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr)
        return std::unexpected(secret_error("environment variable " + name +
                                            " is not set; export it before running fleetmend"));
    if (*value == '\0') return std::unexpected(secret_error("environment variable " + name + " is empty"));
    return secret(value);
}

std::expected<secret, config_error> from_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return std::unexpected(secret_error("cannot read password file " + path + ": " + std::strerror(errno)));
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        spdlog::warn("password file {} can be read by its group or others; run: chmod 600 {}", path, path);
    auto read = read_bounded_file(path, max_secret_bytes, "password file");
    if (!read) return std::unexpected(secret_error(read.error()));
    std::string text = std::move(*read);
    trim_trailing_newlines(text);
    if (text.empty()) return std::unexpected(secret_error("password file " + path + " is empty"));
    secret value(text);
    wipe(text);
    return value;
}

// Owns a file descriptor; closes it however the caller leaves.
class file_descriptor {
public:
    explicit file_descriptor(int fd) noexcept : fd_(fd) {}
    ~file_descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    file_descriptor(const file_descriptor&) = delete;
    file_descriptor& operator=(const file_descriptor&) = delete;
    [[nodiscard]] int get() const noexcept { return fd_; }

private:
    int fd_;
};

// Restores the terminal's echo however the read ends.
class echo_off {
public:
    explicit echo_off(int fd) : fd_(fd) {
        active_ = ::tcgetattr(fd_, &saved_) == 0;
        if (!active_) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(fd_, TCSAFLUSH, &quiet);
    }
    ~echo_off() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    echo_off(const echo_off&) = delete;
    echo_off& operator=(const echo_off&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

std::expected<secret, config_error> from_prompt(const std::string& user, std::size_t host_count) {
    const file_descriptor tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    const int raw = tty.get();
    if (raw < 0)
        return std::unexpected(secret_error(
            "the inventory asks for a password prompt but there is no terminal; use { env = \"...\" }, "
            "{ file = \"...\" } or { command = \"...\" } for unattended runs"));
    const std::string question = "Password for " + (user.empty() ? std::string("the hosts") : user) + " (" +
                                 std::to_string(host_count) + (host_count == 1 ? " host" : " hosts") + "): ";
    std::string text;
    {
        // Echo goes off before the question, so even a typed-ahead answer stays hidden.
        const echo_off quiet(raw);
        if (::write(raw, question.data(), question.size()) < 0)
            return std::unexpected(secret_error("cannot write to the terminal"));
        char c = 0;
        while (true) {
            const ssize_t n = ::read(raw, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || c == '\n') break;
            text.push_back(c);
        }
        c = 0;
    }
    trim_trailing_newlines(text);
    if (text.empty()) return std::unexpected(secret_error("no password was entered"));
    secret value(text);
    wipe(text);
    return value;
}

struct pipe_closer {
    void operator()(FILE* f) const noexcept {
        if (f != nullptr) ::pclose(f);
    }
};

/// What a failed helper wrote on stderr, fit to show: bounded, and with
/// anything it printed on stdout (the would-be secret) masked out of it.
std::string masked_stderr(std::string text, const std::string& printed) {
    std::string line_printed = printed;
    trim_trailing_newlines(line_printed);
    if (line_printed.size() >= 3)
        for (std::size_t at = 0; (at = text.find(line_printed, at)) != std::string::npos;)
            text.replace(at, line_printed.size(), "****");
    trim_trailing_newlines(text);
    constexpr std::size_t shown = 2048;
    if (text.size() > shown) text = text.substr(0, shown) + "...";
    return text;
}

std::expected<secret, config_error> from_command(const std::string& command) {
    // The helper's stderr goes to a private file, not to our stderr: it is
    // shown only on failure, and only masked (a CI log keeps what it gets).
    char stderr_path[] = "/tmp/fleetmend-helper-XXXXXX";
    const int stderr_fd = ::mkstemp(stderr_path);
    if (stderr_fd < 0) return std::unexpected(secret_error("cannot make a file for the password command's errors: " +
                                                           std::string(std::strerror(errno))));
    ::close(stderr_fd);
    const std::string wrapped = "{ " + command + "\n} 2>'" + stderr_path + "'";
    std::unique_ptr<FILE, pipe_closer> pipe(::popen(wrapped.c_str(), "r"));
    if (!pipe) {
        ::unlink(stderr_path);
        return std::unexpected(secret_error("cannot run password command `" + command + "`: " + std::strerror(errno)));
    }
    std::string text;
    char buffer[512];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) text.append(buffer, n);
    std::memset(buffer, 0, sizeof buffer);
    const int status = ::pclose(pipe.release());
    std::string errors;
    if (std::FILE* err = std::fopen(stderr_path, "rb")) {
        while (errors.size() < 64 * 1024 && (n = std::fread(buffer, 1, sizeof buffer, err)) > 0) errors.append(buffer, n);
        std::fclose(err);
    }
    ::unlink(stderr_path);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const std::string shown = masked_stderr(std::move(errors), text);
        wipe(text);
        const std::string how = status != -1 && WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                                                   : std::string("did not exit normally");
        return std::unexpected(secret_error("password command `" + command + "` " + how +
                                            (shown.empty() ? std::string("; run it by hand to see why")
                                                           : "; its stderr (anything it printed on stdout masked): " + shown)));
    }
    wipe(errors);
    trim_trailing_newlines(text);
    if (text.empty()) return std::unexpected(secret_error("password command `" + command + "` printed nothing"));
    secret value(text);
    wipe(text);
    return value;
}

// Prompts are told apart by the account they are for; other sources by
// their reference.
std::pair<secret_source::kind, std::string> source_key(const host_entry& host) {
    const auto& source = host.password_source;
    if (source.from == secret_source::kind::prompt) return {source.from, host.connection.user};
    return {source.from, source.reference};
}

}  // namespace

std::expected<void, config_error> resolve_secrets(std::vector<host_entry*>& hosts) {
    // One resolution per distinct source: a prompt asks once per run.
    std::map<std::pair<secret_source::kind, std::string>, secret> resolved;
    std::map<std::pair<secret_source::kind, std::string>, std::size_t> users;
    for (const host_entry* host : hosts)
        if (host->password_source.from != secret_source::kind::none)
            ++users[source_key(*host)];
    for (host_entry* host : hosts) {
        const auto& source = host->password_source;
        if (source.from == secret_source::kind::none) continue;
        const auto key = source_key(*host);
        auto it = resolved.find(key);
        if (it == resolved.end()) {
            std::expected<secret, config_error> value;
            switch (source.from) {
                case secret_source::kind::env: value = from_env(source.reference); break;
                case secret_source::kind::file: value = from_file(source.reference); break;
                case secret_source::kind::prompt: value = from_prompt(host->connection.user, users[key]); break;
                case secret_source::kind::command: value = from_command(source.reference); break;
                case secret_source::kind::none: break;
            }
            if (!value) {
                value.error().message = "host '" + host->name + "' (" + describe_secret_source(source) + "): " + value.error().message;
                return std::unexpected(value.error());
            }
            it = resolved.emplace(key, std::move(*value)).first;
        }
        host->connection.password = it->second;
    }
    return {};
}

}  // namespace fleetmend
