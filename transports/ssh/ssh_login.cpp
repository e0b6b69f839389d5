#include "transports/ssh/ssh_login.hpp"

#include "transports/ssh/ssh_auth.hpp"
#include "transports/ssh/ssh_host_key.hpp"
#include "transports/ssh/ssh_session_options.hpp"
#include "transports/net/duration_text.hpp"
#include "transports/net/tcp_connect.hpp"

namespace fleetmend::ssh_detail {
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

std::string known_hosts_path(const connection_settings& settings) {
    return expand_home(settings.ssh.known_hosts.empty() ? "~/.ssh/known_hosts" : settings.ssh.known_hosts);
}

std::expected<session_ptr, transport_error> configure(const connection_settings& settings) {
    session_ptr s(ssh_new());
    if (!s) return std::unexpected(transport_error{error_kind::protocol, "libssh could not allocate a session"});
    const std::string host = login_address(settings);
    const unsigned int port_value = login_port(settings);
    const std::string known_hosts = known_hosts_path(settings);
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

/// A TCP connect that failed, in the words the user acts on.
transport_error tcp_failure(const net::connect_error& error, const std::string& address, const std::string& endpoint,
                            std::chrono::milliseconds budget) {
    const std::string within = net::duration_text(budget);
    if (error.at == net::connect_error::stage::resolve) {
        if (error.timed_out)
            return {error_kind::unreachable, "resolving " + address + " did not finish within the connect timeout (" +
                                                 within + "): " + error.reason +
                                                 ". Check the DNS servers in /etc/resolv.conf, or set address in the "
                                                 "inventory"};
        return {error_kind::unreachable, "cannot resolve " + address + ": " + error.reason +
                                             ". Check the name, or set address in the inventory"};
    }
    if (error.timed_out)
        return {error_kind::unreachable, "no SSH answer from " + endpoint + " within the connect timeout (" + within +
                                             "): " + error.reason + ". Check the address, the port and any firewall"};
    return {error_kind::unreachable, "cannot connect to " + endpoint + ": " + error.reason +
                                         ". Check that the host is up and sshd listens on that port"};
}

}  // namespace

std::string login_address(const connection_settings& settings) {
    return settings.address.empty() ? settings.host_name : settings.address;
}

std::uint16_t login_port(const connection_settings& settings) { return settings.port == 0 ? 22 : settings.port; }

std::expected<session_ptr, transport_error> log_in(const connection_settings& settings, stream_fd via, deadline until,
                                                   transport_stats& stats, const std::atomic<bool>* cancelled) {
    auto configured = configure(settings);
    if (!configured) return std::unexpected(configured.error());
    session_ptr s = std::move(*configured);
    const std::string address = login_address(settings);
    const std::uint16_t port = login_port(settings);
    const std::string endpoint = address + ":" + std::to_string(port);
    const auto budget = remaining(until);

    if (!via.valid()) {
        auto connected = net::tcp_connect_within(address, port, until, cancelled);
        if (!connected) return std::unexpected(tcp_failure(connected.error(), address, endpoint, budget));
        via = std::move(*connected);
    }
    // libssh closes a descriptor given this way when the session ends; the
    // host name set above stays the key it looks up in known_hosts.
    const socket_t fd = via.get();
    if (ssh_options_set(s.get(), SSH_OPTIONS_FD, &fd) != 0)
        return std::unexpected(
            transport_error{error_kind::protocol, "libssh refused the connected socket: " + libssh_error(s.get())});
    (void)via.release();
    bound_session_by(s.get(), until);
    if (ssh_connect(s.get()) != SSH_OK) {
        const std::string text = libssh_error(s.get());
        if (clock_type::now() >= until || text.find("Timeout") != std::string::npos) {
            return std::unexpected(transport_error{
                error_kind::unreachable, "no SSH answer from " + endpoint + " within the connect timeout (" +
                                             std::to_string(budget.count()) + " ms): " + text +
                                             ". Check the address, the port and any firewall"});
        }
        return std::unexpected(transport_error{
            never_reached(text) ? error_kind::unreachable : error_kind::protocol,
            "cannot connect to " + endpoint + ": " + text +
                ". Check that the host is up and sshd listens on that port"});
    }
    ++stats.connections;

    if (auto checked = verify_host_key(s.get(), settings.ssh.key_policy, known_hosts_path(settings), address, port);
        !checked) {
        return std::unexpected(checked.error());
    }
    bound_session_by(s.get(), until);
    if (auto authed = authenticate(s.get(), settings); !authed) {
        if (authed.error().kind == error_kind::protocol && clock_type::now() >= until) {
            return std::unexpected(transport_error{
                error_kind::timeout, "authentication to " + endpoint + " did not finish within the connect timeout"});
        }
        return std::unexpected(authed.error());
    }
    ++stats.authentications;
    return s;
}

}  // namespace fleetmend::ssh_detail
