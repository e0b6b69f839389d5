// SSH transport on libssh: one session per host, reused by every command of
// that host; one channel per command.
#include "transports/ssh/ssh_transport.hpp"

#include "transports/ssh/ssh_auth.hpp"
#include "transports/ssh/ssh_command_line.hpp"
#include "transports/ssh/ssh_exec.hpp"
#include "transports/ssh/ssh_handles.hpp"
#include "transports/ssh/ssh_host_key.hpp"
#include "transports/ssh/ssh_session_options.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace fleetmend {

using namespace ssh_detail;

struct ssh_transport::state {
    connection_settings settings;
    session_ptr session;
    transport_stats stats;

    [[nodiscard]] const std::string& address() const {
        return settings.address.empty() ? settings.host_name : settings.address;
    }
    [[nodiscard]] std::uint16_t port() const { return settings.port == 0 ? 22 : settings.port; }
    [[nodiscard]] std::string endpoint() const { return address() + ":" + std::to_string(port()); }
    [[nodiscard]] std::string known_hosts_path() const {
        return expand_home(settings.ssh.known_hosts.empty() ? "~/.ssh/known_hosts" : settings.ssh.known_hosts);
    }

    std::expected<session_ptr, transport_error> configure() const;
    std::expected<void, transport_error> open(deadline until);
};

namespace {

/// libssh reports refused/unresolvable/timed-out connects only as text; these
/// mean "never reached an SSH server" (unreachable), anything else is protocol.
bool never_reached(const std::string& text) {
    for (const char* marker : {"refused", "Timeout", "timed out", "resolve", "No route", "unreachable",
                               "Network is", "Socket error", "connect", "Connection reset"}) {
        if (text.find(marker) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

std::expected<session_ptr, transport_error> ssh_transport::state::configure() const {
    session_ptr s(ssh_new());
    if (!s) return std::unexpected(transport_error{error_kind::protocol, "libssh could not allocate a session"});
    const std::string host = address();
    const unsigned int port_value = port();
    const std::string known_hosts = known_hosts_path();
    const int no = 0;
    const int yes = 1;
    bool ok = ssh_options_set(s.get(), SSH_OPTIONS_HOST, host.c_str()) == 0 &&
              ssh_options_set(s.get(), SSH_OPTIONS_PORT, &port_value) == 0 &&
              ssh_options_set(s.get(), SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str()) == 0 &&
              // The inventory is the configuration: ~/.ssh/config must not redirect hosts.
              ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no) == 0 &&
              ssh_options_set(s.get(), SSH_OPTIONS_NODELAY, &yes) == 0;
    if (ok && !settings.user.empty()) ok = ssh_options_set(s.get(), SSH_OPTIONS_USER, settings.user.c_str()) == 0;
    if (!ok) {
        return std::unexpected(transport_error{
            error_kind::config, "invalid SSH settings for " + settings.host_name + ": " + libssh_error(s.get())});
    }
    return s;
}

std::expected<void, transport_error> ssh_transport::state::open(deadline until) {
    auto configured = configure();
    if (!configured) return std::unexpected(configured.error());
    session_ptr s = std::move(*configured);

    const auto budget = remaining(until);
    bound_session_by(s.get(), until);
    if (ssh_connect(s.get()) != SSH_OK) {
        const std::string text = libssh_error(s.get());
        if (clock_type::now() >= until || text.find("Timeout") != std::string::npos) {
            return std::unexpected(transport_error{
                error_kind::unreachable, "no SSH answer from " + endpoint() + " within the connect timeout (" +
                                             std::to_string(budget.count()) + " ms): " + text +
                                             ". Check the address, the port and any firewall"});
        }
        return std::unexpected(transport_error{
            never_reached(text) ? error_kind::unreachable : error_kind::protocol,
            "cannot connect to " + endpoint() + ": " + text +
                ". Check that the host is up and sshd listens on that port"});
    }
    ++stats.connections;

    if (auto checked = verify_host_key(s.get(), settings.ssh.key_policy, known_hosts_path(), address(), port());
        !checked) {
        return std::unexpected(checked.error());
    }
    bound_session_by(s.get(), until);
    if (auto authed = authenticate(s.get(), settings); !authed) {
        if (authed.error().kind == error_kind::protocol && clock_type::now() >= until) {
            return std::unexpected(transport_error{
                error_kind::timeout, "authentication to " + endpoint() + " did not finish within the connect timeout"});
        }
        return std::unexpected(authed.error());
    }
    ++stats.authentications;
    session = std::move(s);
    spdlog::debug("{}: SSH session open to {}", settings.host_name, endpoint());
    return {};
}

ssh_transport::ssh_transport(connection_settings settings)
    : state_(std::make_unique<state>(state{std::move(settings), {}, {}})) {}
ssh_transport::~ssh_transport() = default;

std::expected<void, transport_error> ssh_transport::connect(deadline until) {
    try {
        if (state_->session && ssh_is_connected(state_->session.get())) return {};
        state_->session.reset();
        return state_->open(until);
    } catch (const std::exception& e) {
        return std::unexpected(transport_error{error_kind::protocol, std::string("ssh connect failed: ") + e.what()});
    }
}

std::expected<exec_result, transport_error> ssh_transport::run(const std::string& command, shell_kind shell,
                                                               deadline until) {
    try {
        if (!state_->session) {
            return std::unexpected(transport_error{error_kind::protocol,
                                                   "no SSH session to " + state_->endpoint() + ": connect() first"});
        }
        if (!ssh_is_connected(state_->session.get())) {
            return std::unexpected(transport_error{
                error_kind::protocol, "the SSH connection to " + state_->endpoint() +
                                          " was lost: " + libssh_error(state_->session.get())});
        }
        ++state_->stats.commands;
        return exec_on_channel(state_->session.get(), build_exec_line(command, shell), until,
                               state_->settings.max_output_bytes);
    } catch (const std::exception& e) {
        return std::unexpected(transport_error{error_kind::protocol, std::string("ssh run failed: ") + e.what()});
    }
}

void ssh_transport::close() noexcept { state_->session.reset(); }

transport_stats ssh_transport::stats() const noexcept { return state_->stats; }

}  // namespace fleetmend
