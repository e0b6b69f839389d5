#pragma once
/// SSH endpoints for lab hosts, as Windows OpenSSH with its default cmd
/// shell: password logon, one exec channel per command, exit status. Built on
/// libssh's server API; one accept thread per SSH host and one thread per
/// connection (SSH hosts are a small share of a lab: the scenario caps them).
#include "transports/lab/lab_host.hpp"

#include <expected>
#include <memory>
#include <string>
#include <vector>

namespace fleetmend::lab {

class lab_ssh_server {
public:
    /// `credentials` and hosts must outlive the server.
    explicit lab_ssh_server(const lab_credentials& credentials);
    ~lab_ssh_server();
    lab_ssh_server(const lab_ssh_server&) = delete;
    lab_ssh_server& operator=(const lab_ssh_server&) = delete;

    /// Generates the lab's Ed25519 host key into key_file and returns the
    /// public key line body ("ssh-ed25519 AAAA...") for known_hosts.
    [[nodiscard]] std::expected<std::string, std::string> create_host_key(const std::string& key_file);
    /// Listens for one host on address:port.
    [[nodiscard]] std::expected<void, std::string> listen(lab_host& host, const std::string& address, std::uint16_t port);
    /// Stops accepting, disconnects every session and joins the threads; safe twice.
    void stop() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace fleetmend::lab
