#pragma once
/// A fleet reachable only through SSH jump hosts, for the bastion tests:
/// the segmented network, a real sshd as bastion (bastion namespace) and as a
/// second jump host (far namespace, 198.51.100.2), SSH hosts (a real sshd with
/// the stand-in netsh) and WinRM hosts (the lab) in the far namespace.
///
///   near SSH hosts   203.0.113.10, .11       reachable from the bastion
///   deep SSH host    203.0.113.200           only from the far namespace
///   near WinRM hosts 203.0.113.124-.127      http+NTLM and https, alternating
///   deep WinRM hosts 203.0.113.128, .129     http+NTLM and https
#include "jump_sshd.hpp"
#include "segmented_network.hpp"
#include "tests/integration/support/sshd_fixture.hpp"
#include "transports/lab/lab.hpp"

#include <memory>
#include <string>
#include <vector>

namespace fleetmend::test {

struct bastion_fleet {
    bastion_fleet();
    ~bastion_fleet();
    bastion_fleet(const bastion_fleet&) = delete;
    bastion_fleet& operator=(const bastion_fleet&) = delete;

    segmented_network net;
    std::unique_ptr<sshd_fixture> ssh_hosts;
    std::unique_ptr<jump_sshd> bastion;  // 192.0.2.1:22
    std::unique_ptr<jump_sshd> inner;    // 198.51.100.2:22, the second hop to the deep half
    std::unique_ptr<lab::lab_fleet> windows;

    std::vector<std::string> near_ssh{"203.0.113.10", "203.0.113.11"};
    std::string deep_ssh = "203.0.113.200";
    std::vector<std::string> near_windows, deep_windows;  // lab host names

    /// known_hosts with the far SSH hosts and both jump hosts (the bastion's
    /// line with another key when `wrong_bastion_key`).
    [[nodiscard]] std::filesystem::path write_known_hosts(bool wrong_bastion_key = false) const;

    /// An inventory of every far host: `jump` in [defaults] (the near ones
    /// reach through it), the deep ones with `deep_jump` of their own.
    [[nodiscard]] std::filesystem::path write_inventory(const std::string& name, const std::string& jump,
                                                        const std::string& deep_jump,
                                                        const std::filesystem::path& known_hosts) const;

    /// The same fleet described the way an admin's ~/.ssh/config would: an
    /// ssh config file (ProxyJump for every far host, the deep ones through
    /// both hops, HostName/User/Port of the SSH hosts, the identity and
    /// known_hosts) and an inventory that names only hosts and transports.
    [[nodiscard]] std::filesystem::path write_ssh_config_inventory(const std::filesystem::path& known_hosts) const;

    /// Every far host's Teredo type is "disabled" now.
    [[nodiscard]] std::vector<std::string> hosts_not_disabled() const;
    /// No far host saw a connection yet (lab connections, netsh calls).
    [[nodiscard]] bool far_side_untouched() const;
};

}  // namespace fleetmend::test
