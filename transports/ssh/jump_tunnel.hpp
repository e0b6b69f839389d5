#pragma once
/// One direct-tcpip channel of a jump session and the local socket a
/// transport talks to: copies bytes both ways without blocking, with a
/// bounded buffer each way (a slow reader holds back the other side through
/// the SSH window or the socket buffer, never through memory). Used only by
/// the thread that owns the session.
#include "transports/ssh/ssh_handles.hpp"
#include "transports/transport.hpp"

#include <string>

namespace fleetmend::ssh_detail {

class jump_tunnel {
public:
    /// `channel` is open; `local` is this side's end of the socketpair (non-blocking).
    jump_tunnel(channel_ptr channel, stream_fd local) noexcept;

    enum class outcome { idle, moved, finished };
    /// Moves what can move now. `finished`: both sides are done (or one
    /// broke); the tunnel should be dropped.
    [[nodiscard]] outcome pump();

    /// poll() interest for the local socket (0: none right now).
    [[nodiscard]] short local_events() const noexcept;
    [[nodiscard]] int local_fd() const noexcept { return local_.get(); }

private:
    channel_ptr channel_;
    stream_fd local_;
    std::string to_local_;    // from the channel, not yet written to the socket
    std::string to_channel_;  // from the socket, not yet written to the channel
    bool local_eof_ = false;
};

}  // namespace fleetmend::ssh_detail
