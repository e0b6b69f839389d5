#pragma once
/// The lab: a simulated Windows fleet in this process, on loopback addresses.
/// `fleetmend lab`, `fleetmend demo` and the integration tests start one,
/// point fleetmend (or pywinrm) at the inventory it writes, and read its
/// per-host counters and Teredo states afterwards.
#include "transports/lab/lab_host.hpp"
#include "transports/lab/scenario.hpp"

#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fleetmend::lab {

struct lab_options {
    unsigned hosts = 0;             // 0: the scenario's count
    std::string scenario_file;      // empty: scenario_text, else the embedded default
    std::string scenario_text;      // a scenario given inline (tests)
    std::string directory;          // empty: a new /tmp/fleetmend-lab-XXXXXX, removed with the lab
    std::string inventory_out;      // empty: <directory>/inventory.toml
    std::string address_base;       // overrides the scenario's (e.g. to run two labs at once)
    std::uint16_t http_port = 0;    // 0: the scenario's (5985)
    std::uint16_t https_port = 0;   // 0: the scenario's (5986)
    std::uint16_t ssh_port = 0;     // 0: the scenario's (2222)
    std::string keytab;             // Kerberos acceptor keytab (sets KRB5_KTNAME)
    unsigned threads = 2;           // io threads serving every host
};

class lab_fleet {
public:
    /// Builds the hosts, certificates, account files and inventory, then listens.
    /// The error says what to change (address in use, open-files limit, bad scenario).
    [[nodiscard]] static std::expected<std::unique_ptr<lab_fleet>, std::string> start(const lab_options& options);
    ~lab_fleet();
    lab_fleet(const lab_fleet&) = delete;
    lab_fleet& operator=(const lab_fleet&) = delete;

    /// Stops listening and closes every connection; safe twice.
    void stop() noexcept;

    [[nodiscard]] const std::string& inventory_path() const noexcept { return inventory_path_; }
    [[nodiscard]] const std::string& directory() const noexcept { return directory_; }
    [[nodiscard]] const std::string& ca_file() const noexcept { return ca_file_; }
    [[nodiscard]] const std::string& password_file() const noexcept { return password_file_; }
    [[nodiscard]] const lab_credentials& credentials() const noexcept { return credentials_; }
    [[nodiscard]] const scenario& scenario_used() const noexcept { return scenario_; }

    [[nodiscard]] std::vector<std::string> host_names() const;
    [[nodiscard]] const host_spec* find(const std::string& host) const;
    /// Counters of one host (all zero for an unknown name).
    [[nodiscard]] host_counters counters(const std::string& host) const;
    /// The SNI name of the host's latest TLS handshake (empty: none, or unknown host).
    [[nodiscard]] std::string last_server_name(const std::string& host) const;
    /// Sum over every host.
    [[nodiscard]] host_counters totals() const;
    /// The host's Teredo type as netsh would show it now.
    [[nodiscard]] std::optional<teredo_type> current_type(const std::string& host) const;
    /// Writes every host's counters and type as JSON (the CLI's status file).
    [[nodiscard]] std::expected<void, std::string> write_status(const std::string& path) const;

    [[nodiscard]] std::chrono::milliseconds startup_time() const noexcept { return startup_time_; }

private:
    lab_fleet() = default;
    struct runtime;
    scenario scenario_;
    lab_credentials credentials_;
    std::string directory_, inventory_path_, ca_file_, password_file_;
    bool owns_directory_ = false;  // start() made it: the destructor removes it
    std::chrono::milliseconds startup_time_{0};
    std::unique_ptr<runtime> runtime_;
};

}  // namespace fleetmend::lab
