#include "transports/lab/lab_ssh_server.hpp"
#include "transports/encoding/ascii_text.hpp"

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <thread>

namespace fleetmend::lab {
namespace {

struct bind_deleter {
    void operator()(ssh_bind b) const noexcept { ssh_bind_free(b); }
};
struct session_deleter {
    void operator()(ssh_session s) const noexcept {
        ssh_disconnect(s);
        ssh_free(s);
    }
};
struct message_deleter {
    void operator()(ssh_message m) const noexcept { ssh_message_free(m); }
};
struct key_deleter {
    void operator()(ssh_key k) const noexcept { ssh_key_free(k); }
};
using bind_ptr = std::unique_ptr<ssh_bind_struct, bind_deleter>;
using session_ptr = std::unique_ptr<ssh_session_struct, session_deleter>;
using message_ptr = std::unique_ptr<ssh_message_struct, message_deleter>;

using encoding::lower;

bool user_matches(std::string_view given, const lab_credentials& c) {
    const std::string user = lower(given), plain = lower(c.user);
    return user == plain || user == lower(c.domain) + "\\" + plain || user == plain + "@" + lower(c.domain);
}

}  // namespace

struct lab_ssh_server::impl {
    const lab_credentials& credentials;
    std::string key_file;
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::vector<std::thread> threads;
    std::vector<int> open_fds;  // shut down on stop() to unblock sessions

    explicit impl(const lab_credentials& c) : credentials(c) {}

    void serve(lab_host& host, ssh_session raw) {
        session_ptr session(raw);
        const int fd = ssh_get_fd(session.get());
        {
            std::lock_guard lock(mutex);
            open_fds.push_back(fd);
        }
        serve_session(host, session.get());
        std::lock_guard lock(mutex);
        std::erase(open_fds, fd);
    }

    void serve_session(lab_host& host, ssh_session session) {
        const auto& faults = host.spec().faults;
        if (ssh_handle_key_exchange(session) != SSH_OK) return;
        bool authenticated = false;
        while (!stopping) {
            message_ptr message(ssh_message_get(session));
            if (!message) return;  // the client went away
            const int type = ssh_message_type(message.get());
            const int subtype = ssh_message_subtype(message.get());
            if (faults.latency.count() > 0) std::this_thread::sleep_for(faults.latency);
            if (type == SSH_REQUEST_AUTH) {
                if (subtype == SSH_AUTH_METHOD_PASSWORD) {
                    const char* user = ssh_message_auth_user(message.get());
                    // libssh 0.10 marks the message API deprecated in favour of callbacks; the
                    // blocking message loop keeps this server one readable function.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
                    const char* password = ssh_message_auth_password(message.get());
#pragma GCC diagnostic pop
                    if (user && password && user_matches(user, credentials) && !faults.wrong_password &&
                        password == credentials.password) {
                        authenticated = true;
                        host.count_authentication();
                        ssh_message_auth_reply_success(message.get(), 0);
                        continue;
                    }
                    host.count_auth_failure();
                }
                ssh_message_auth_set_methods(message.get(), SSH_AUTH_METHOD_PASSWORD);
                ssh_message_reply_default(message.get());
            } else if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION && authenticated) {
                if (ssh_message_channel_request_open_reply_accept(message.get())) host.count_shell();
                else return;
            } else if (type == SSH_REQUEST_CHANNEL && subtype == SSH_CHANNEL_REQUEST_EXEC && authenticated) {
                ssh_channel channel = ssh_message_channel_request_channel(message.get());
                const std::string command = ssh_message_channel_request_command(message.get());
                ssh_message_channel_request_reply_success(message.get());
                if (faults.drop) return;
                if (faults.hang) {
                    // Never finishes: hold the channel until the client gives up.
                    while (!stopping && ssh_channel_is_open(channel) && !ssh_channel_is_eof(channel)) {
                        char buffer[256];
                        if (ssh_channel_read_timeout(channel, buffer, sizeof buffer, 0, 500) == SSH_ERROR) return;
                    }
                    return;
                }
                const command_output out = host.run_command_now(command);
                if (!out.stdout_text.empty())
                    ssh_channel_write(channel, out.stdout_text.data(), static_cast<uint32_t>(out.stdout_text.size()));
                if (!out.stderr_text.empty())
                    ssh_channel_write_stderr(channel, out.stderr_text.data(), static_cast<uint32_t>(out.stderr_text.size()));
                ssh_channel_request_send_exit_status(channel, out.exit_code);
                ssh_channel_send_eof(channel);
                ssh_channel_close(channel);
            } else if (type == SSH_REQUEST_CHANNEL &&
                       (subtype == SSH_CHANNEL_REQUEST_ENV || subtype == SSH_CHANNEL_REQUEST_PTY) && authenticated) {
                ssh_message_channel_request_reply_success(message.get());
            } else {
                ssh_message_reply_default(message.get());
            }
        }
    }

    void accept_loop(lab_host& host, bind_ptr bind) {
        const int fd = ssh_bind_get_fd(bind.get());
        while (!stopping) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            ssh_session session = ssh_new();
            if (!session) continue;
            if (ssh_bind_accept(bind.get(), session) != SSH_OK) {
                ssh_free(session);
                continue;
            }
            host.count_connection();
            if (host.spec().faults.refusing || host.take_flaky_failure()) {
                session_deleter{}(session);
                continue;
            }
            long timeout = 60;
            ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout);
            std::lock_guard lock(mutex);
            threads.emplace_back([this, &host, session] { serve(host, session); });
        }
    }
};

lab_ssh_server::lab_ssh_server(const lab_credentials& credentials) : impl_(std::make_unique<impl>(credentials)) {}
lab_ssh_server::~lab_ssh_server() { stop(); }

std::expected<std::string, std::string> lab_ssh_server::create_host_key(const std::string& key_file) {
    ssh_key raw = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK) return std::unexpected("cannot generate an SSH host key");
    std::unique_ptr<ssh_key_struct, key_deleter> key(raw);
    if (ssh_pki_export_privkey_file(key.get(), nullptr, nullptr, nullptr, key_file.c_str()) != SSH_OK)
        return std::unexpected("cannot write the SSH host key " + key_file + ": check the lab folder is writable");
    char* b64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &b64) != SSH_OK) return std::unexpected("cannot export the SSH host key");
    std::string line = std::string(ssh_key_type_to_char(ssh_key_type(key.get()))) + " " + b64;
    ssh_string_free_char(b64);
    impl_->key_file = key_file;
    return line;
}

std::expected<void, std::string> lab_ssh_server::listen(lab_host& host, const std::string& address, std::uint16_t port) {
    bind_ptr bind(ssh_bind_new());
    if (!bind) return std::unexpected("libssh: cannot create a listener");
    unsigned int p = port;
    ssh_bind_options_set(bind.get(), SSH_BIND_OPTIONS_BINDADDR, address.c_str());
    ssh_bind_options_set(bind.get(), SSH_BIND_OPTIONS_BINDPORT, &p);
    ssh_bind_options_set(bind.get(), SSH_BIND_OPTIONS_HOSTKEY, impl_->key_file.c_str());
    if (ssh_bind_listen(bind.get()) != SSH_OK)
        return std::unexpected("cannot listen for SSH on " + address + ":" + std::to_string(port) + ": " +
                               ssh_get_error(bind.get()) + " (pick another ssh_port or address_base)");
    std::lock_guard lock(impl_->mutex);
    impl_->threads.emplace_back([this, &host, b = bind.release()]() mutable { impl_->accept_loop(host, bind_ptr(b)); });
    return {};
}

void lab_ssh_server::stop() noexcept {
    if (!impl_ || impl_->stopping.exchange(true)) return;
    {
        std::lock_guard lock(impl_->mutex);
        for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);
    }
    // Threads may still add threads until they see `stopping`; join until none is left.
    for (;;) {
        std::vector<std::thread> joining;
        {
            std::lock_guard lock(impl_->mutex);
            joining.swap(impl_->threads);
        }
        if (joining.empty()) break;
        for (auto& t : joining) t.join();
    }
}

}  // namespace fleetmend::lab
