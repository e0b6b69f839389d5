#pragma once
/// A real OpenSSH sshd as a jump host, started inside a network namespace:
/// OpenSSH's defaults for everything a bastion keeps (MaxStartups 10:30:100,
/// TCP forwarding on), key logins only, every login in its log.
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace fleetmend::test {

class jump_sshd {
public:
    /// Listens on address:22 in `ns`; lets `user` in with the public key in
    /// `authorized_key_file`. Its files live in dir/name.
    jump_sshd(const std::string& ns, const std::string& address, const std::string& user,
              const std::filesystem::path& authorized_key_file, const std::filesystem::path& dir,
              const std::string& name);
    ~jump_sshd() { stop(); }
    jump_sshd(const jump_sshd&) = delete;
    jump_sshd& operator=(const jump_sshd&) = delete;

    /// The known_hosts line for this server ("address key"), or one with
    /// another key (a changed or forged bastion).
    [[nodiscard]] std::string known_hosts_line(bool wrong_key = false) const;
    /// Logins sshd accepted so far ("Accepted publickey" lines of its log).
    [[nodiscard]] unsigned accepted_logins() const;
    [[nodiscard]] std::string log_text() const;
    void stop() noexcept;

private:
    std::string address_;
    std::filesystem::path dir_;
    std::string public_key_, wrong_key_;
    pid_t pid_ = -1;
};

}  // namespace fleetmend::test
