#pragma once
/// The lab's network side: one Asio io_context on a few threads, one
/// listener per simulated host (its own loopback address), one object per
/// connection with a timeout before every operation; plain HTTP and TLS go
/// through one code path (Beast's server-flex shape).
#include "transports/lab/lab_host.hpp"

#include <expected>
#include <memory>
#include <string>

namespace fleetmend::lab {

class lab_server {
public:
    /// `credentials` and every host passed to listen() must outlive the server.
    lab_server(const lab_credentials& credentials, EVP_PKEY* tls_key, unsigned threads);
    ~lab_server();
    lab_server(const lab_server&) = delete;
    lab_server& operator=(const lab_server&) = delete;

    /// Starts accepting for one host on address:port (TLS when https).
    [[nodiscard]] std::expected<void, std::string> listen(lab_host& host, const std::string& address,
                                                          std::uint16_t port, bool https);
    /// Runs the io_context on its threads (returns at once).
    void start();
    /// Closes every listener and connection and joins the threads; safe twice.
    void stop() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace fleetmend::lab
