#include "transports/lab/lab_host.hpp"

#include "transports/lab/wsman_messages.hpp"

#include <algorithm>
#include <cctype>

namespace fleetmend::lab {

lab_host::lab_host(host_spec spec) : spec_(std::move(spec)) {
    short_name_ = spec_.name.substr(0, spec_.name.find('.'));
    std::ranges::transform(short_name_, short_name_.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    teredo_.local_type = spec_.initial_type;
    teredo_.policy_type = spec_.faults.group_policy;
    teredo_.policy_reenables = spec_.faults.policy_reenables;
    teredo_.elevated = !spec_.faults.not_elevated;
    teredo_.state_when_active = spec_.active_state;
    teredo_.local_address = "192.168." + std::to_string(spec_.number / 250 % 250) + "." + std::to_string(spec_.number % 250 + 2);
    flaky_left_ = spec_.faults.flaky_failures;
}

host_counters lab_host::counters() const {
    host_counters c;
    c.connections = connections_;
    c.authentications = authentications_;
    c.auth_failures = auth_failures_;
    c.shells = shells_created_;
    c.commands = commands_started_;
    c.faults = faults_;
    std::lock_guard lock(mutex_);
    c.applies = teredo_.applies;
    return c;
}

teredo_type lab_host::current_type() const {
    std::lock_guard lock(mutex_);
    return teredo_.effective_type();
}

bool lab_host::take_flaky_failure() noexcept {
    unsigned left = flaky_left_.load();
    while (left > 0)
        if (flaky_left_.compare_exchange_weak(left, left - 1)) return true;
    return false;
}

std::string lab_host::create_shell() {
    std::string id = new_guid();
    std::lock_guard lock(mutex_);
    shells_[id];
    ++shells_created_;
    return id;
}

bool lab_host::delete_shell(const std::string& shell_id) {
    std::lock_guard lock(mutex_);
    return shells_.erase(shell_id) > 0;
}

std::string lab_host::start_command(const std::string& shell_id, const std::string& command_line) {
    std::lock_guard lock(mutex_);
    const auto shell = shells_.find(shell_id);
    if (shell == shells_.end()) return {};
    std::string id = new_guid();
    command_state state;
    if (spec_.faults.hang) {
        state.finished = false;
    } else {
        const std::string user = "lab\\administrator";
        state.output = run_windows_command(teredo_, host_identity{short_name_, user}, command_line);
    }
    shell->second.commands.emplace(id, std::move(state));
    ++commands_started_;
    return id;
}

command_output lab_host::run_command_now(const std::string& command_line) {
    std::lock_guard lock(mutex_);
    ++commands_started_;
    return run_windows_command(teredo_, host_identity{short_name_, "lab\\administrator"}, command_line);
}

lab_host::command_result lab_host::take_output(const std::string& shell_id, const std::string& command_id) {
    std::lock_guard lock(mutex_);
    command_result r;
    const auto shell = shells_.find(shell_id);
    if (shell == shells_.end()) return r;
    r.shell_found = true;
    const auto command = shell->second.commands.find(command_id);
    if (command == shell->second.commands.end()) return r;
    r.command_found = true;
    r.finished = command->second.finished;
    if (r.finished) {
        // Output is delivered once, as Windows does; later Receives get empty streams.
        if (!command->second.delivered) r.output = command->second.output;
        else r.output.exit_code = command->second.output.exit_code;
        command->second.delivered = true;
    }
    return r;
}

bool lab_host::terminate_command(const std::string& shell_id, const std::string& command_id) {
    std::lock_guard lock(mutex_);
    const auto shell = shells_.find(shell_id);
    if (shell == shells_.end()) return false;
    shell->second.commands.erase(command_id);
    return true;
}

}  // namespace fleetmend::lab
