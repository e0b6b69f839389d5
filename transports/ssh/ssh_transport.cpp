// SSH transport on libssh: one session per host, reused by every command of
// that host; one channel per command.
#include "transports/ssh/ssh_transport.hpp"

#include "transports/ssh/ssh_command_line.hpp"
#include "transports/ssh/ssh_exec.hpp"
#include "transports/ssh/ssh_handles.hpp"
#include "transports/ssh/ssh_login.hpp"
#include "transports/ssh/ssh_session_options.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>

namespace fleetmend {

using namespace ssh_detail;

struct ssh_transport::state {
    connection_settings settings;
    session_ptr session;
    transport_stats stats;
    std::atomic<bool> cancelled{false};  // set by cancel() from any thread

    [[nodiscard]] std::string endpoint() const {
        return login_address(settings) + ":" + std::to_string(login_port(settings));
    }

    std::expected<void, transport_error> open(deadline until) {
        stream_fd via;
        if (settings.open_stream) {
            // Behind jump hosts: SSH runs over a channel of the shared jump session.
            auto tunnel = settings.open_stream(login_address(settings), login_port(settings), until);
            if (!tunnel) return std::unexpected(tunnel.error());
            via = std::move(*tunnel);
        }
        auto s = log_in(settings, std::move(via), until, stats, &cancelled);
        if (!s) return std::unexpected(s.error());
        session = std::move(*s);
        spdlog::debug("{}: SSH session open to {}", settings.host_name, endpoint());
        return {};
    }
};

ssh_transport::ssh_transport(connection_settings settings)
    : state_(std::make_unique<state>()) {
    state_->settings = std::move(settings);
}
ssh_transport::~ssh_transport() = default;

std::expected<void, transport_error> ssh_transport::connect(deadline until) {
    try {
        if (state_->cancelled.load()) return std::unexpected(stopped_by_operator("not connected"));
        if (state_->session && ssh_is_connected(state_->session.get())) return {};
        state_->session.reset();
        // The login itself is bounded by the connect timeout, not cut short.
        auto opened = state_->open(until);
        if (!opened && state_->cancelled.load()) return std::unexpected(stopped_by_operator("the connect was stopped"));
        if (opened && state_->cancelled.load()) {
            state_->session.reset();
            return std::unexpected(stopped_by_operator("the new connection was closed"));
        }
        return opened;
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
                               state_->settings.max_output_bytes, state_->cancelled);
    } catch (const std::exception& e) {
        return std::unexpected(transport_error{error_kind::protocol, std::string("ssh run failed: ") + e.what()});
    }
}

void ssh_transport::close() noexcept { state_->session.reset(); }

void ssh_transport::cancel() noexcept { state_->cancelled.store(true); }

transport_stats ssh_transport::stats() const noexcept { return state_->stats; }

}  // namespace fleetmend
