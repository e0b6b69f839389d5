#pragma once
/// A small WinRM service for the transport's own integration tests, on
/// loopback: real HTTP/TLS (Beast, OpenSSL), real GSSAPI acceptance (NTLM via
/// gss-ntlmssp and NTLM_USER_FILE, Kerberos via the KDC fixture's keytab,
/// channel bindings checked over TLS), sealed bodies, and the WS-Man shell
/// operations Windows answers. Commands are a few test verbs (see .cpp), not
/// a Windows model: the simulated fleet users run is transports/lab.
///
/// Why a second server: it exists to drive the client into the corners a
/// fleet never shows on purpose — TLS client-certificate logon, channel
/// bindings switched off, a per-shell command quota, a Create fault, outputs
/// of several MB, a command that outlives OperationTimeout — each switched by
/// one option of a single server the test owns. The lab models Windows hosts
/// (netsh, reg, PowerShell, Teredo state) at fleet scale; putting these
/// test-only switches into its scenarios would ship them in the product.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

namespace fleetmend::test {

struct mini_server_options {
    bool tls = false;
    std::string cert_file;   // PEM server certificate (TLS)
    std::string key_file;
    bool allow_basic = false;        // Basic (TLS only, like Windows)
    bool check_channel_bindings = true;
    std::string basic_user = "Administrator";
    std::string basic_password;
    std::string client_ca_file;      // non-empty: require a TLS client certificate from this CA (auth=certificate)
    bool fault_on_create = false;    // Create answers a quota WS-Man fault
    unsigned shell_command_limit = 0;  // >0: Command faults 2150859174 after this many in a shell
    std::string address = "127.0.0.1";
};

struct mini_server_counters {
    std::atomic<unsigned> connections{0};
    std::atomic<unsigned> authentications{0};
    std::atomic<unsigned> shells{0};
    std::atomic<unsigned> commands{0};
    std::atomic<unsigned> timeouts{0};   // Receive answered with the TimedOut fault
};

class mini_wsman_server {
public:
    [[nodiscard]] static std::expected<std::unique_ptr<mini_wsman_server>, std::string> start(mini_server_options options);
    ~mini_wsman_server();
    mini_wsman_server(const mini_wsman_server&) = delete;
    mini_wsman_server& operator=(const mini_wsman_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    [[nodiscard]] const mini_server_counters& counters() const noexcept;
    void stop() noexcept;

private:
    struct impl;
    explicit mini_wsman_server(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

/// Writes a self-signed certificate for `name` (SAN: DNS name and 127.0.0.1)
/// with the openssl tool; returns false on failure.
[[nodiscard]] bool make_self_signed(const std::string& name, const std::string& cert_file, const std::string& key_file);

}  // namespace fleetmend::test
