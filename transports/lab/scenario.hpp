#pragma once
/// A lab scenario (TOML): how many hosts, where they listen, how they are
/// reached, their initial Teredo types and which faults they simulate.
/// Parsing and expansion into per-host specs are pure.
#include "transports/lab/teredo_model.hpp"

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::lab {

enum class lab_scheme { http, https };
enum class lab_auth { ntlm, basic, kerberos };
enum class lab_transport { winrm, ssh };

[[nodiscard]] std::string_view to_string(lab_scheme scheme) noexcept;
[[nodiscard]] std::string_view to_string(lab_auth auth) noexcept;

/// A set of hosts reached the same way; becomes an inventory group.
struct lab_group {
    std::string name;
    lab_scheme scheme = lab_scheme::http;
    lab_auth auth = lab_auth::ntlm;
    lab_transport transport = lab_transport::winrm;  // ssh: Windows OpenSSH, password logon, cmd shell
    unsigned weight = 1;
};

/// How a host's HTTPS certificate is made (the lab CA signs all but self_signed).
enum class certificate_shape {
    normal,       // DNS:<name>, IP:<address>
    address_only, // IP:<address> only: valid for the address dialed, not the name
    other_name,   // DNS:<certificate_name> only (an enterprise FQDN unlike the inventory name)
    expired,      // normal names, notAfter in the past
    self_signed,  // normal names, signed by itself (New-SelfSignedCertificate)
};

/// What can go wrong on one host (several may combine).
struct host_faults {
    bool down = false;            // nothing listens
    bool refusing = false;        // accepts, then closes at once
    bool wrong_password = false;  // the host's password differs from the inventory's
    bool hang = false;            // commands never finish (Receive times out)
    bool drop = false;            // the connection drops during Receive
    bool wsman_fault = false;     // Create answers a WS-Man quota fault
    bool not_elevated = false;    // changes fail: "requires elevation"
    bool needs_teredo = false;    // the smoke target is reached only through Teredo: ping fails once it is off
    std::chrono::milliseconds latency{0};        // added before every response
    unsigned flaky_failures = 0;                 // first N connections are closed
    std::optional<teredo_type> policy_reenables; // policy turns Teredo back on after apply
    std::optional<teredo_type> group_policy;     // policy sets the type from the start
    certificate_shape certificate = certificate_shape::normal;
    std::string certificate_name;                // DNS name of an other_name certificate
    unsigned operations_per_shell = 0;           // >0: Command N+1 in a shell gets 2150859174
    unsigned shells_lost_before_command = 0;     // >0: shells vanish before that command (service restart)
    unsigned shells_lost_after_command = 0;      // >0: shells vanish while that command runs
    bool old_envelope_size = false;              // MaxEnvelopeSizekb 150, config not readable (pre-2012)
    bool filtered_admin_token = false;           // a local admin without LocalAccountTokenFilterPolicy
    bool strict_channel_binding = false;         // CbtHardeningLevel=Strict: NTLM over HTTPS needs bindings
    bool ntlm_refused = false;                   // Restrict NTLM (incoming: deny all): only Kerberos logs on
};

/// A rule that hands a fault to listed hosts and/or a share of all hosts.
struct fault_rule {
    std::string kind;              // down, refusing, wrong-password, slow, hang, drop, wsman-fault,
                                   // not-elevated, policy-reenables, group-policy, flaky, needs-teredo, certificate-*,
    // operations-quota, shell-lost, service-restart, old-envelope-size,
    // filtered-admin-token, strict-channel-binding, ntlm-refused
    std::vector<unsigned> hosts;   // host numbers (1-based)
    double percent = 0;            // of all hosts, never host 1 (the usual canary)
    std::chrono::milliseconds latency{500};
    unsigned failures = 2;
    teredo_type policy_type = teredo_type::client;
    unsigned limit = 2;                   // operations-quota: commands per shell
    unsigned at_command = 2;              // shell-lost / service-restart: which command (host-wide, 1-based)
    std::string certificate_name = "web{n}.corp.example";  // certificate-other-name
};

struct scenario {
    std::string name = "default";
    unsigned hosts = 40;
    std::string address_base = "127.1.0.1";
    std::string name_pattern = "win{n:03}.lab.example";
    std::string domain = "LAB";
    std::string user = "Administrator";
    std::string password;  // empty: generated at start
    std::uint16_t http_port = 5985;
    std::uint16_t https_port = 5986;
    std::uint16_t ssh_port = 2222;  // not 22: the workstation's own sshd may hold *:22
    std::vector<lab_group> groups;
    std::map<teredo_type, unsigned> type_weights;
    std::vector<fault_rule> faults;
};

/// Everything one simulated host needs.
struct host_spec {
    unsigned number = 0;  // 1-based
    std::string name;     // inventory name
    std::string address;  // loopback (or, in a network namespace, documentation-range) address
    std::string group;
    lab_scheme scheme = lab_scheme::http;
    lab_auth auth = lab_auth::ntlm;
    lab_transport transport = lab_transport::winrm;
    teredo_type initial_type = teredo_type::default_type;
    std::string active_state = "qualified";
    host_faults faults;
};

/// Parses a scenario; errors carry the source name, line and column. Unknown keys are errors.
[[nodiscard]] std::expected<scenario, std::string> parse_scenario(std::string_view text, std::string_view source);
/// The scenario `fleetmend lab` and `fleetmend demo` use without --scenario.
[[nodiscard]] std::string_view default_scenario_text() noexcept;
/// One spec per host, deterministic for a given scenario.
[[nodiscard]] std::expected<std::vector<host_spec>, std::string> expand_hosts(const scenario& s);
/// "win{n:03}.lab.example" with n = 7 -> "win007.lab.example".
[[nodiscard]] std::string format_host_name(std::string_view pattern, unsigned n);

}  // namespace fleetmend::lab
