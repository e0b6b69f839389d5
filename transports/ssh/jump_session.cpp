#include "transports/ssh/jump_session.hpp"

#include "transports/ssh/jump_tunnel.hpp"
#include "transports/ssh/ssh_login.hpp"
#include "transports/ssh/ssh_session_options.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

namespace fleetmend::ssh_detail {
namespace {

using namespace std::chrono_literals;

struct tunnel_request {
    std::string address;
    std::uint16_t port = 0;
    deadline until;
    bool done = false;
    bool abandoned = false;  // the caller stopped waiting: drop the tunnel when it opens
    std::expected<stream_fd, transport_error> result = stream_fd{};
};

/// A channel being opened (non-blocking: libssh answers SSH_AGAIN until the
/// jump host replied, which it does once it connected to the target or failed).
struct pending_open {
    std::shared_ptr<tunnel_request> request;
    channel_ptr channel;
};

connection_settings login_settings(const jump_hop& hop) {
    connection_settings s;
    s.host_name = hop.name;
    s.address = hop.address;
    s.port = hop.port;
    s.kind = transport_kind::ssh;
    s.user = hop.user;
    s.connect_timeout = hop.connect_timeout;
    s.ssh = hop.ssh;
    return s;
}

}  // namespace

struct jump_session::impl {
    jump_hop hop;
    std::shared_ptr<jump_session> via;

    std::mutex mutex;
    std::condition_variable changed;
    enum class phase { idle, logging_in, ready, failed } state = phase::idle;
    transport_error failure{error_kind::unreachable, {}};
    std::deque<std::shared_ptr<tunnel_request>> queue;
    bool stopping = false;
    std::thread pump;
    stream_fd wake{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    std::atomic<unsigned> logins{0};
    bool failed_before = false;  // pump thread only: an earlier hop's failed login is the cause

    /// "jump host user@address:port", with the name the inventory or the ssh
    /// config used when it is another (an inventory host, a Host alias).
    std::string who() const {
        const std::string written_address = (hop.user.empty() ? "" : hop.user + "@") + hop.address;
        const bool plain = hop.name == hop.endpoint() || hop.name == written_address;
        return plain ? "jump host " + hop.endpoint() : "jump host '" + hop.name + "' (" + hop.endpoint() + ")";
    }

    void poke() const noexcept {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto ignored = ::write(wake.get(), &one, sizeof one);
    }

    // Called with `mutex` held.
    void finish(tunnel_request& r, std::expected<stream_fd, transport_error> result) {
        r.result = std::move(result);
        r.done = true;
    }

    // Called with `mutex` held: every waiting request gets `error`.
    void fail_queue(const transport_error& error) {
        for (auto& r : queue) finish(*r, std::unexpected(error));
        queue.clear();
        changed.notify_all();
    }

    /// A failed login, as the hosts behind this jump host see it: the jump
    /// host is named as the cause. A host key problem stays a host key error;
    /// a refused or unreachable jump host makes its hosts unreachable.
    transport_error login_failure(const transport_error& e) const {
        const error_kind kind = e.kind == error_kind::host_key ? error_kind::host_key : error_kind::unreachable;
        return {kind, who() + " failed, so no host behind it was tried: " + e.message, std::nullopt};
    }

    /// Logs in over the previous hop (if any). Errors are already worded as
    /// the hosts behind this jump host should see them.
    std::expected<session_ptr, transport_error> log_in_once() {
        const deadline until = clock_type::now() + hop.connect_timeout;
        stream_fd stream;
        if (via) {
            auto tunnel = via->open_tunnel(hop.address, hop.port, until);
            if (!tunnel) {
                // An earlier hop that failed is the cause and says so itself;
                // if it could not reach this one, this one is named.
                if (tunnel.error().message.find(" failed, so no host behind it was tried") != std::string::npos) {
                    failed_before = true;  // already reported by that hop
                    return std::unexpected(tunnel.error());
                }
                return std::unexpected(login_failure(tunnel.error()));
            }
            stream = std::move(*tunnel);
        }
        transport_stats ignored;
        auto session = log_in(login_settings(hop), std::move(stream), until, ignored);
        if (!session) return std::unexpected(login_failure(session.error()));
        return session;
    }

    void run() {
        auto session = log_in_once();
        if (!session) {
            const std::lock_guard lock(mutex);
            state = phase::failed;
            failure = session.error();
            if (!failed_before) spdlog::warn("{}", failure.message);
            fail_queue(failure);
            return;
        }
        ++logins;
        spdlog::info("{}: logged in; hosts behind it share this login", who());
        ssh_set_blocking(session->get(), 0);
        {
            const std::lock_guard lock(mutex);
            state = phase::ready;
        }
        serve(session->get());
    }

    void serve(ssh_session session) {
        std::list<pending_open> opening;
        std::list<jump_tunnel> tunnels;
        std::vector<pollfd> fds;
        for (;;) {
            {
                const std::lock_guard lock(mutex);
                if (stopping) break;
                while (!queue.empty()) {
                    opening.push_back({std::move(queue.front()), channel_ptr(ssh_channel_new(session))});
                    queue.pop_front();
                }
            }
            advance_opens(session, opening, tunnels);
            // Bytes libssh read for one channel while serving another are
            // moved by the next pass, so pass until nothing moves, then wait.
            bool moved = true;
            for (int pass = 0; moved && pass < 64; ++pass) {
                moved = false;
                for (auto it = tunnels.begin(); it != tunnels.end();) {
                    const auto result = it->pump();
                    moved = moved || result != jump_tunnel::outcome::idle;
                    it = result == jump_tunnel::outcome::finished ? tunnels.erase(it) : std::next(it);
                }
            }
            if (!ssh_is_connected(session) || (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) {
                dropped(session, opening);
                return;
            }
            wait_for_io(session, opening.empty() ? 1000ms : 10ms, tunnels, fds);
        }
    }

    void advance_opens(ssh_session session, std::list<pending_open>& opening, std::list<jump_tunnel>& tunnels) {
        for (auto it = opening.begin(); it != opening.end();) {
            auto& request = *it->request;
            int rc = SSH_ERROR;
            if (it->channel) rc = ssh_channel_open_forward(it->channel.get(), request.address.c_str(), request.port,
                                                           "127.0.0.1", 0);
            if (rc == SSH_AGAIN) {
                bool give_up = false;
                {
                    const std::lock_guard lock(mutex);
                    give_up = request.abandoned || clock_type::now() >= request.until;
                }
                if (!give_up) {
                    ++it;
                    continue;
                }
                // Freed while opening: the jump host's late answer is ignored.
                rc = SSH_ERROR;
            }
            std::expected<stream_fd, transport_error> result = std::unexpected(transport_error{
                error_kind::unreachable, "cannot connect to " + request.address + ":" + std::to_string(request.port) +
                                             " through " + who() + ": " + libssh_error(session) +
                                             ". Check that the host is up and the jump host may reach that port"});
            if (rc == SSH_OK) {
                int pair[2];
                if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
                    result = std::unexpected(transport_error{error_kind::protocol, "cannot create a local socket pair"});
                } else {
                    ::fcntl(pair[0], F_SETFL, ::fcntl(pair[0], F_GETFL) | O_NONBLOCK);
                    tunnels.emplace_back(std::move(it->channel), stream_fd(pair[0]));
                    result = stream_fd(pair[1]);
                }
            }
            {
                const std::lock_guard lock(mutex);
                // An abandoned request's socket closes here; its tunnel then ends.
                if (!request.abandoned) finish(request, std::move(result));
                changed.notify_all();
            }
            it = opening.erase(it);
        }
    }

    void dropped(ssh_session session, std::list<pending_open>& opening) {
        const transport_error lost{error_kind::unreachable,
                                   "the session to " + who() + " dropped: " + libssh_error(session), std::nullopt};
        spdlog::warn("{}", lost.message);
        const std::lock_guard lock(mutex);
        for (auto& p : opening)
            if (!p.request->abandoned) finish(*p.request, std::unexpected(lost));
        fail_queue(lost);
        // The next request logs in again (the thread ends; open_tunnel joins it).
        state = phase::idle;
    }

    void wait_for_io(ssh_session session, std::chrono::milliseconds longest, const std::list<jump_tunnel>& tunnels,
                     std::vector<pollfd>& fds) {
        fds.clear();
        short session_events = POLLIN;
        // Output libssh could not write yet: wake when the socket takes more.
        if (ssh_blocking_flush(session, 0) == SSH_AGAIN) session_events |= POLLOUT;
        fds.push_back({ssh_get_fd(session), session_events, 0});
        fds.push_back({wake.get(), POLLIN, 0});
        for (const auto& t : tunnels)
            if (const short events = t.local_events()) fds.push_back({t.local_fd(), events, 0});
        ::poll(fds.data(), fds.size(), static_cast<int>(longest.count()));
        std::uint64_t count = 0;
        [[maybe_unused]] auto ignored = ::read(wake.get(), &count, sizeof count);
    }
};

jump_session::jump_session(jump_hop hop, std::shared_ptr<jump_session> via) : impl_(std::make_unique<impl>()) {
    impl_->hop = std::move(hop);
    impl_->via = std::move(via);
}

jump_session::~jump_session() { stop(); }

unsigned jump_session::logins() const noexcept { return impl_->logins.load(); }

std::expected<stream_fd, transport_error> jump_session::open_tunnel(const std::string& address, std::uint16_t port,
                                                                    deadline until) {
    auto& s = *impl_;
    std::unique_lock lock(s.mutex);
    if (s.stopping)
        return std::unexpected(transport_error{error_kind::unreachable, "the session to " + s.who() + " was closed"});
    if (s.state == impl::phase::failed) return std::unexpected(s.failure);
    if (s.state == impl::phase::idle) {
        // The thread of a session that dropped has set `idle` as its last step.
        if (s.pump.joinable()) s.pump.join();
        s.state = impl::phase::logging_in;
        s.pump = std::thread([&s] { s.run(); });
    }
    auto request = std::make_shared<tunnel_request>();
    request->address = address;
    request->port = port;
    request->until = until;
    s.queue.push_back(request);
    s.poke();
    if (!s.changed.wait_until(lock, until, [&] { return request->done; })) {
        request->abandoned = true;
        std::erase(s.queue, request);
        const bool login = s.state == impl::phase::logging_in;
        return std::unexpected(transport_error{
            error_kind::unreachable,
            login ? s.who() + " did not complete the login within the connect timeout"
                  : "no channel to " + address + ":" + std::to_string(port) + " through " + s.who() +
                        " within the connect timeout"});
    }
    return std::move(request->result);
}

void jump_session::stop() noexcept {
    auto& s = *impl_;
    {
        const std::lock_guard lock(s.mutex);
        s.stopping = true;
        s.fail_queue(transport_error{error_kind::unreachable, "the session to " + s.who() + " was closed"});
    }
    s.poke();
    if (s.pump.joinable()) s.pump.join();
}

}  // namespace fleetmend::ssh_detail
