#pragma once
// The lab's simulated Windows fleet behind a real MIT KDC, for the WinRM
// transport tests that run against transports/lab: one KDC (a service principal per
// host), one lab fleet in its own temporary directory, both stopped and the
// directory removed when the object goes. A test process keeps one for its
// lifetime: gss-ntlmssp reads its user file once.
#include "tests/integration/kdc/kdc_fixture.hpp"
#include "transports/lab/lab.hpp"
#include "transports/transport.hpp"

#include <expected>
#include <memory>
#include <string>

namespace fleetmend::test {

struct lab_with_kdc_options {
    std::string scenario_text;   // the lab scenario (TOML)
    std::string name_pattern;    // e.g. "win{n:03}.lab.example", numbered 1..hosts
    unsigned hosts = 0;          // each gets HTTP/<name>@REALM in the keytab
    std::string password;        // of the KDC's Administrator principal
    std::string address_prefix;  // "127.235.": the process id picks the third octet, so
                                 // ctest's parallel processes never share addresses
};

struct lab_with_kdc {
    std::unique_ptr<kdc_fixture> kdc;
    std::unique_ptr<lab::lab_fleet> fleet;
    std::string directory;

    /// Starts the KDC (and exports its environment to this process), then the lab.
    [[nodiscard]] static std::expected<lab_with_kdc, std::string> start(const lab_with_kdc_options& options);

    lab_with_kdc() = default;
    lab_with_kdc(lab_with_kdc&&) = default;
    lab_with_kdc& operator=(lab_with_kdc&&) = default;
    ~lab_with_kdc();
};

/// A lab fleet in its own temporary directory without a KDC (NTLM and Basic
/// hosts), stopped and the directory removed when the object goes.
struct lab_in_temp_dir {
    std::unique_ptr<lab::lab_fleet> fleet;
    std::string directory;

    /// address_prefix as in lab_with_kdc_options (the process id picks the third octet).
    [[nodiscard]] static std::expected<lab_in_temp_dir, std::string> start(const std::string& scenario_text,
                                                                          const std::string& address_prefix);

    lab_in_temp_dir() = default;
    lab_in_temp_dir(lab_in_temp_dir&&) = default;
    lab_in_temp_dir& operator=(lab_in_temp_dir&&) = default;
    ~lab_in_temp_dir();
};

/// Settings that reach one lab host as its scenario says (name, address,
/// scheme, auth, the lab CA), for this user and password; connect timeout 10 s,
/// command timeout 15 s.
[[nodiscard]] fleetmend::connection_settings lab_host_settings(const lab::lab_fleet& fleet, const std::string& host,
                                                    const std::string& user, const std::string& password);

inline fleetmend::deadline in_seconds(int n) { return fleetmend::clock_type::now() + std::chrono::seconds(n); }

}  // namespace fleetmend::test
