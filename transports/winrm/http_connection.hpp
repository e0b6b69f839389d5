#pragma once
/// One keep-alive HTTP/1.1 connection (plain or TLS) to one WinRM host, on
/// Boost.Beast. Blocking API over its own io_context: every operation runs
/// asynchronously with a timer and is bounded by a deadline. Responses are
/// size-capped (a hostile host cannot exhaust memory). Never throws.
#include "transports/transport.hpp"

#include <atomic>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend::winrm {

struct tls_options {
    bool enabled = false;
    std::string ca_file;     // empty: the system store
    bool insecure = false;   // no chain or name check (warned about)
    std::string cert_file;   // client certificate (PEM), optional
    std::string key_file;
    /// Names the server certificate may be valid for (any one suffices, see
    /// tls_identity.hpp); the first DNS name is sent as SNI. Empty: host_name.
    std::vector<std::string> names;
    bool explicit_name = false;  // names came from winrm.tls_server_name
};

struct http_request {
    std::string target = "/wsman";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct http_response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names; repeated headers joined with ", "
    std::string body;
    bool keep_alive = true;

    /// Header value or empty.
    [[nodiscard]] std::string header(const std::string& lower_name) const;
};

inline constexpr std::size_t max_response_body = 16u << 20;
inline constexpr std::uint32_t max_response_header = 64u << 10;

class http_connection {
public:
    /// host_name is the name Host carries (and TLS verifies unless tls.names says
    /// otherwise); address is where to connect. `open_stream` (optional): how
    /// to reach address:port instead of a TCP connect, e.g. a channel through
    /// jump hosts; HTTP and TLS run over it as over TCP.
    http_connection(std::string host_name, std::string address, std::uint16_t port, tls_options tls,
                    stream_opener open_stream = {});
    ~http_connection();
    http_connection(const http_connection&) = delete;
    http_connection& operator=(const http_connection&) = delete;

    /// A flag another thread may set (the transport's cancel()): the name
    /// lookup and the TCP connect then end within net::cancel_poll, as kind
    /// `cancelled`. Requests are not cut: the transport stops between them.
    void stop_with(const std::atomic<bool>* cancelled) noexcept;
    /// Resolves and connects (or opens the stream), then (for TLS) handshakes and verifies the server certificate.
    [[nodiscard]] std::expected<void, transport_error> open(deadline until);
    /// Sends one POST and reads its response. The connection stays open when the server keeps it alive.
    [[nodiscard]] std::expected<http_response, transport_error> post(const http_request& request, deadline until);
    [[nodiscard]] bool is_open() const noexcept;
    void close() noexcept;

    /// RFC 5929 tls-server-end-point hash of the server certificate (empty without TLS).
    [[nodiscard]] std::string server_end_point_hash() const;
    /// "http://host:port/wsman" style base for the WS-Man To header.
    [[nodiscard]] std::string url(const std::string& path) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace fleetmend::winrm
