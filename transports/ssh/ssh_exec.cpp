#include "transports/ssh/ssh_exec.hpp"

#include "transports/ssh/ssh_handles.hpp"
#include "transports/ssh/ssh_session_options.hpp"

#include <algorithm>
#include <array>

namespace fleetmend::ssh_detail {
namespace {

/// One output stream: keeps the first `cap` bytes, counts all of them.
struct capped_stream {
    std::string& kept;
    std::uint64_t& total;
    std::size_t cap;

    void append(const char* data, std::size_t n) {
        total += n;
        if (kept.size() < cap) kept.append(data, std::min(n, cap - kept.size()));
    }
};

/// Longest single wait, so the deadline is checked often even on a quiet channel.
constexpr std::chrono::milliseconds poll_slice{250};

transport_error dropped(ssh_session session, const char* during) {
    return {error_kind::protocol,
            std::string("the connection dropped while ") + during + ": " + libssh_error(session)};
}

transport_error missed(std::chrono::milliseconds budget) {
    return {error_kind::timeout, "the command did not finish within its timeout (" +
                                     std::to_string(budget.count()) +
                                     " ms); its channel was closed. Raise command_timeout if it is just slow"};
}

/// Moves whatever stderr has buffered into `err` without waiting, until the
/// deadline: a host flooding stderr must not keep us here past it.
/// Returns false if the connection failed.
bool drain_stderr(ssh_channel channel, capped_stream& err, std::array<char, 32768>& buf, deadline until) {
    while (clock_type::now() < until) {
        const int n = ssh_channel_read_nonblocking(channel, buf.data(), buf.size(), 1);
        if (n == SSH_ERROR) return false;
        if (n <= 0) return true;
        err.append(buf.data(), static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

transport_error stopped_by_operator(const char* what) {
    return {error_kind::cancelled, std::string("stopped by the operator: ") + what};
}

std::expected<exec_result, transport_error> exec_on_channel(ssh_session session, const std::string& exec_line,
                                                            deadline until, std::size_t max_output_bytes,
                                                            const std::atomic<bool>& cancelled) {
    if (cancelled.load()) return std::unexpected(stopped_by_operator("the command was not started"));
    const auto started = clock_type::now();
    const auto budget = remaining(until);
    exec_result result;

    bound_session_by(session, until);
    channel_ptr channel(ssh_channel_new(session));
    if (!channel) return std::unexpected(dropped(session, "creating a channel"));
    if (ssh_channel_open_session(channel.get()) != SSH_OK) {
        if (clock_type::now() >= until) return std::unexpected(missed(budget));
        return std::unexpected(dropped(session, "opening a channel"));
    }
    // Once the exec request is sent, a failure keeps what the command printed
    // so far: sshd may start the command before its reply reaches us.
    auto with_partial = [&](transport_error error) {
        result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
        error.partial = std::move(result);
        return std::unexpected(std::move(error));
    };
    if (ssh_channel_request_exec(channel.get(), exec_line.c_str()) != SSH_OK) {
        if (clock_type::now() >= until) return with_partial(missed(budget));
        return with_partial(dropped(session, "starting the command (it may have run)"));
    }
    capped_stream out{result.stdout_text, result.stdout_total_bytes, max_output_bytes};
    capped_stream err{result.stderr_text, result.stderr_total_bytes, max_output_bytes};
    std::array<char, 32768> buf{};
    for (;;) {
        if (cancelled.load()) {
            // A closed channel alone leaves a quiet command running on the
            // host (it only notices when it writes): OpenSSH's sshd delivers
            // the "signal" request to the command's process first.
            ssh_channel_request_send_signal(channel.get(), "TERM");
            ssh_channel_close(channel.get());
            return with_partial(stopped_by_operator("the command was sent SIGTERM and its channel closed"));
        }
        const auto left = remaining(until);
        if (left.count() == 0) {
            // Close, not just free: the server then stops the command's channel.
            ssh_channel_close(channel.get());
            return with_partial(missed(budget));
        }
        const int wait_ms = static_cast<int>(std::min(left, poll_slice).count());
        const int n = ssh_channel_read_timeout(channel.get(), buf.data(), buf.size(), 0, wait_ms);
        if (n == SSH_ERROR) return with_partial(dropped(session, "reading the command's output"));
        if (n > 0) out.append(buf.data(), static_cast<std::size_t>(n));
        if (!drain_stderr(channel.get(), err, buf, until)) {
            return with_partial(dropped(session, "reading the command's errors"));
        }
        // EOF on the channel comes after all data of both streams.
        if (n == 0 && ssh_channel_is_eof(channel.get())) break;
    }

    bound_session_by(session, until);
    const int status = ssh_channel_get_exit_status(channel.get());
    if (status == SSH_ERROR || status < 0) {
        if (!ssh_is_connected(session)) return with_partial(dropped(session, "waiting for the exit status"));
        // The command ended without reporting a status (e.g. killed by a signal).
        result.exit_code = -1;
    } else {
        result.exit_code = status;
    }
    ssh_channel_close(channel.get());
    result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    return result;
}

}  // namespace fleetmend::ssh_detail
