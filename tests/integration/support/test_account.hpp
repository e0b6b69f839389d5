#pragma once
/// A throwaway local account for a test's sshd, so the test command leaves
/// no way in behind: its name is this run's own (fleetmend-<pid>-<n>-<role>),
/// its home is inside the test's temp folder, its shell /bin/sh, and it has
/// either no password (key logins only) or a random one made for this run.
/// The destructor removes it (userdel). Accounts left by a test process that
/// died first (kill -9, a ctest timeout) are removed when the next one is
/// made: their name holds the pid, which no longer runs. Needs root.
#include <filesystem>
#include <string>
#include <vector>

namespace fleetmend::test {

class test_account {
public:
    enum class login { key_only, password };

    /// Creates the account; throws std::runtime_error when useradd fails.
    test_account(const std::string& role, const std::filesystem::path& home_parent, login how);
    ~test_account();
    test_account(const test_account&) = delete;
    test_account& operator=(const test_account&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// Empty for key_only accounts.
    [[nodiscard]] const std::string& password() const noexcept { return password_; }

private:
    std::string name_;
    std::string password_;
};

/// Every account named like a test_account whose process no longer runs.
[[nodiscard]] std::vector<std::string> stale_test_accounts();

/// Removes the accounts stale_test_accounts() names.
void remove_stale_test_accounts();

}  // namespace fleetmend::test
