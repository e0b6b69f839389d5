#pragma once
/// What the read-only commands run on one host printed since the host last
/// changed. A capture that runs a command the verify just ran (the facts
/// after: "netsh interface teredo show state" in both) takes that output
/// instead of asking the host again: one round trip fewer per host, and the
/// same reading, since nothing ran on the host in between.
#include "transports/transport.hpp"

#include <string>
#include <vector>

namespace fleetmend {

class recent_outputs {
public:
    struct entry {
        shell_kind shell = shell_kind::cmd;
        std::string command;  // rendered
        exec_result result;
        std::string step_name;
    };

    /// The host changed (an apply or rollback step ran, or was cut off):
    /// nothing read before says what it looks like now.
    void forget() noexcept { entries_.clear(); }

    /// Keeps `result` as the newest output of `command` in `shell`.
    void remember(shell_kind shell, const std::string& command, const exec_result& result,
                  const std::string& step_name) {
        for (auto& e : entries_) {
            if (e.shell == shell && e.command == command) {
                e.result = result;
                e.step_name = step_name;
                return;
            }
        }
        entries_.push_back({shell, command, result, step_name});
    }

    /// The newest output of `command` in `shell` since the host last changed.
    [[nodiscard]] const entry* find(shell_kind shell, const std::string& command) const noexcept {
        for (const auto& e : entries_) {
            if (e.shell == shell && e.command == command) return &e;
        }
        return nullptr;
    }

private:
    std::vector<entry> entries_;  // a playbook's handful of distinct read commands
};

}  // namespace fleetmend
