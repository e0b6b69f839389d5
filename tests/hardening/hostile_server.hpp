#pragma once
/// A hostile WinRM host for the hardening tests: a plain-HTTP listener on a
/// loopback address that reads each request and then misbehaves the way a
/// compromised or broken host could (trickling, never ending, oversized
/// answers, an endless command output). Raw sockets, one thread per
/// connection, so the misbehaviour is exact and independent of Beast.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace fleetmend::test {

enum class hostile_behaviour {
    slow_loris_headers,   // status line, then one header byte per second, forever
    slow_loris_body,      // headers (Content-Length: 1 MB), then one body byte per second
    endless_chunked,      // chunked body, 64 KiB chunks as fast as the client reads, never the last chunk
    oversized_headers,    // headers of more than 1 MiB in total
    oversized_envelope,   // Content-Length: 256 MiB, then that much body as fast as the client reads
    endless_stdout,       // valid WS-Man (Basic, clear HTTP): the command prints 64 KiB per Receive, never Done
    large_stdout,         // valid WS-Man: 64 KiB per Receive, Done with exit 0 after 100 Receives (6.25 MiB)
    malformed_ntlm_challenge,  // every request: 401 with an NTLM CHALLENGE announcing a target type and an
                               // empty TargetName (the shape that crashed gss-ntlmssp 1.2)
};

class hostile_server {
public:
    explicit hostile_server(hostile_behaviour behaviour);
    ~hostile_server();
    hostile_server(const hostile_server&) = delete;
    hostile_server& operator=(const hostile_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    /// Bytes written to clients so far (all connections).
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept;
    /// Requests read so far (all connections).
    [[nodiscard]] unsigned requests() const noexcept;
    /// Stops accepting, closes every connection, joins the threads.
    void stop() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// This process's peak resident set size (VmHWM) in bytes.
[[nodiscard]] std::uint64_t peak_rss_bytes();
/// Resets the peak to the current RSS (Linux clear_refs "5"), so a test
/// measures its own peak, not an earlier test's.
void reset_peak_rss();

}  // namespace fleetmend::test
