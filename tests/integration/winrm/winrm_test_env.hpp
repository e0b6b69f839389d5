#pragma once
// Shared set-up for the WinRM integration tests: an NTLM user file for
// gss-ntlmssp's acceptor, a TLS certificate, and connection settings.
#include "transports/transport.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fleetmend::test {

inline constexpr const char* lab_password = "Passw0rd!-lab";

struct winrm_test_env {
    std::string dir;
    std::string cert_file, key_file;      // for win01.lab.example
    std::string other_cert, other_key;    // an unrelated self-signed certificate
    std::string client_cert, client_key;  // a client certificate (auth = certificate)

    static const winrm_test_env& get();
};

/// Settings for the host "win01.lab.example" at 127.0.0.1:port.
inline connection_settings settings_for(std::uint16_t port, winrm_scheme scheme, winrm_auth auth) {
    connection_settings s;
    s.host_name = "win01.lab.example";
    s.address = "127.0.0.1";
    s.port = port;
    s.user = "LAB\\Administrator";
    s.password = secret{lab_password};
    s.connect_timeout = std::chrono::seconds(5);
    s.command_timeout = std::chrono::seconds(20);
    s.winrm.scheme = scheme;
    s.winrm.auth = auth;
    s.winrm.ca_file = winrm_test_env::get().cert_file;
    return s;
}

inline deadline in_seconds(int n) { return clock_type::now() + std::chrono::seconds(n); }

}  // namespace fleetmend::test
