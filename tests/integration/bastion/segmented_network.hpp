#pragma once
/// A segmented network made of network namespaces this fixture creates and
/// deletes (documentation ranges only, nothing leaves the machine):
///
///   workstation 192.0.2.10 --- 192.0.2.1 bastion 198.51.100.1 --- 198.51.100.2 far
///
/// The bastion does not forward IP: the workstation reaches the far side only
/// through an SSH session on the bastion. The far namespace owns all of
/// 203.0.113.0/24 (a local route on lo: a server there may listen on any of
/// those addresses); the bastion routes only 203.0.113.0/25 to it, so the
/// "deep" half 203.0.113.128/25 is reachable only from the far namespace
/// itself (a second jump host there is needed: two hops).
/// Needs root and `ip`.
#include <filesystem>
#include <functional>
#include <string>

namespace fleetmend::test {

/// Why these tests cannot run here (not root, no `ip`, no sshd), or empty.
[[nodiscard]] std::string segmented_network_unavailable_reason();

class segmented_network {
public:
    segmented_network();  // throws std::runtime_error when set-up fails (after undoing what it did)
    ~segmented_network();
    segmented_network(const segmented_network&) = delete;
    segmented_network& operator=(const segmented_network&) = delete;

    static constexpr const char* workstation_address = "192.0.2.10";
    static constexpr const char* bastion_address = "192.0.2.1";
    static constexpr const char* bastion_far_address = "198.51.100.1";
    static constexpr const char* far_address = "198.51.100.2";

    [[nodiscard]] const std::string& workstation_ns() const noexcept { return workstation_; }
    [[nodiscard]] const std::string& bastion_ns() const noexcept { return bastion_; }
    [[nodiscard]] const std::string& far_ns() const noexcept { return far_; }
    /// A fresh scratch folder (mode 0755), removed with the fixture.
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

    /// Runs `work` on a thread that joined namespace `ns`: sockets it opens
    /// and processes it starts live there.
    static void run_in(const std::string& ns, const std::function<void()>& work);

    /// Whether a TCP connect from namespace `ns` to address:port succeeds
    /// within two seconds (the error text in `why` otherwise).
    [[nodiscard]] static bool tcp_reaches(const std::string& ns, const std::string& address, unsigned port,
                                          std::string& why);

private:
    void cleanup() noexcept;

    std::string workstation_, bastion_, far_;
    std::filesystem::path dir_;
};

}  // namespace fleetmend::test
