#include "transports/ssh/jump_tunnel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace fleetmend::ssh_detail {
namespace {

// Per direction: enough for a full WS-Man envelope or SSH window chunk.
constexpr std::size_t buffer_cap = 256 * 1024;
constexpr std::size_t chunk = 32 * 1024;

}  // namespace

jump_tunnel::jump_tunnel(channel_ptr channel, stream_fd local) noexcept
    : channel_(std::move(channel)), local_(std::move(local)) {}

short jump_tunnel::local_events() const noexcept {
    short events = 0;
    if (!local_eof_ && to_channel_.size() < buffer_cap) events |= POLLIN;
    if (!to_local_.empty()) events |= POLLOUT;
    return events;
}

jump_tunnel::outcome jump_tunnel::pump() {
    bool moved = false;
    std::array<char, chunk> buf{};
    ssh_channel ch = channel_.get();

    // Channel -> local socket.
    bool drained = false;  // libssh holds nothing more for us right now
    while (to_local_.size() < buffer_cap) {
        const int n = ssh_channel_read_nonblocking(ch, buf.data(), static_cast<std::uint32_t>(
                                                                       std::min(buf.size(), buffer_cap - to_local_.size())),
                                                   0);
        if (n == SSH_ERROR) return outcome::finished;
        if (n <= 0) {
            drained = true;
            break;
        }
        to_local_.append(buf.data(), static_cast<std::size_t>(n));
        moved = true;
    }
    while (!to_local_.empty()) {
        const ssize_t w = ::send(local_.get(), to_local_.data(), to_local_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            return outcome::finished;  // the transport closed its end
        }
        to_local_.erase(0, static_cast<std::size_t>(w));
        moved = true;
    }

    // Local socket -> channel, never more than the peer's window allows (a
    // larger write would make libssh wait for a window adjust).
    while (!local_eof_ && to_channel_.size() < buffer_cap) {
        const ssize_t r = ::recv(local_.get(), buf.data(), std::min(buf.size(), buffer_cap - to_channel_.size()),
                                 MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            return outcome::finished;
        }
        if (r == 0) {
            local_eof_ = true;
            moved = true;
            break;
        }
        to_channel_.append(buf.data(), static_cast<std::size_t>(r));
        moved = true;
    }
    while (!to_channel_.empty()) {
        const std::uint32_t window = ssh_channel_window_size(ch);
        const auto n = static_cast<std::uint32_t>(std::min<std::size_t>({to_channel_.size(), window, chunk}));
        if (n == 0) break;
        const int w = ssh_channel_write(ch, to_channel_.data(), n);
        if (w == SSH_ERROR) return outcome::finished;
        if (w <= 0) break;
        to_channel_.erase(0, static_cast<std::size_t>(w));
        moved = true;
    }

    // The transport closed its socket: pass the end on once all its bytes went.
    if (local_eof_ && to_channel_.empty()) {
        ssh_channel_send_eof(ch);
        ssh_channel_close(ch);
        return outcome::finished;
    }
    // The target closed (EOF or close on the channel): end the socket once the
    // transport got every byte.
    if (drained && to_local_.empty() && (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))) {
        ::shutdown(local_.get(), SHUT_RDWR);
        return outcome::finished;
    }
    return moved ? outcome::moved : outcome::idle;
}

}  // namespace fleetmend::ssh_detail
