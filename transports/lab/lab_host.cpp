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
    teredo_.needs_teredo = spec_.faults.needs_teredo;
    teredo_.short_name = short_name_;
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
    c.input_pieces = input_pieces_;
    c.spnego_logons = spnego_logons_;
    c.kerberos_logons = kerberos_logons_;
    std::lock_guard lock(mutex_);
    c.applies = teredo_.applies;
    c.open_shells = static_cast<unsigned>(shells_.size());
    return c;
}

teredo_type lab_host::current_type() const {
    std::lock_guard lock(mutex_);
    return teredo_.effective_type();
}

void lab_host::note_server_name(std::string name) {
    std::lock_guard lock(mutex_);
    last_server_name_ = std::move(name);
}

std::string lab_host::last_server_name() const {
    std::lock_guard lock(mutex_);
    return last_server_name_;
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

void lab_host::run_now(command_state& state) {
    const std::string user = "lab\\administrator";
    state.output = state.awaiting_input
                       ? run_windows_command_with_input(teredo_, host_identity{short_name_, user}, state.command_line,
                                                        state.input)
                       : run_windows_command(teredo_, host_identity{short_name_, user}, state.command_line);
    state.awaiting_input = false;
    state.finished = true;
}

lab_host::started_command lab_host::start_command(const std::string& shell_id, const std::string& command_line) {
    std::lock_guard lock(mutex_);
    const auto& f = spec_.faults;
    // The WinRM service restarts before this command: every shell is gone.
    if (++commands_requested_ == f.shells_lost_before_command) shells_.clear();
    const auto shell = shells_.find(shell_id);
    if (shell == shells_.end()) return {start_status::no_shell, {}};
    if (f.operations_per_shell > 0 && shell->second.operations >= f.operations_per_shell)
        return {start_status::quota, {}};
    ++shell->second.operations;
    std::string id = new_guid();
    command_state state;
    state.command_line = command_line;
    if (f.hang) {
        state.finished = false;
    } else if (reads_stdin(command_line)) {
        state.finished = false;
        state.awaiting_input = true;
    } else {
        run_now(state);
    }
    shell->second.commands.emplace(id, std::move(state));
    // The service restarts while this command runs: its shell is gone too.
    if (++commands_started_ == f.shells_lost_after_command) shells_.clear();
    return {start_status::started, id};
}

lab_host::input_status lab_host::send_input(const std::string& shell_id, const std::string& command_id,
                                            const std::string& bytes, bool end) {
    std::lock_guard lock(mutex_);
    const auto shell = shells_.find(shell_id);
    if (shell == shells_.end()) return input_status::no_shell;
    const auto command = shell->second.commands.find(command_id);
    if (command == shell->second.commands.end()) return input_status::no_command;
    ++input_pieces_;
    auto& state = command->second;
    if (!state.awaiting_input) return input_status::taken;  // a command not reading stdin ignores it
    state.input += bytes;
    if (end) run_now(state);
    return input_status::taken;
}

command_output lab_host::run_command_now(const std::string& command_line) {
    std::lock_guard lock(mutex_);
    ++commands_started_;
    return run_windows_command(teredo_, host_identity{short_name_, "lab\\administrator"}, command_line);
}

lab_host::command_result lab_host::take_output(const std::string& shell_id, const std::string& command_id,
                                               std::size_t max_bytes) {
    std::lock_guard lock(mutex_);
    command_result r;
    const auto shell = shells_.find(shell_id);
    if (shell == shells_.end()) return r;
    r.shell_found = true;
    const auto command = shell->second.commands.find(command_id);
    if (command == shell->second.commands.end()) return r;
    r.command_found = true;
    auto& state = command->second;
    r.finished = state.finished;
    if (!r.finished) return r;
    // Output is delivered once, in pieces; later Receives get empty streams.
    const auto take = [&max_bytes](const std::string& all, std::size_t& sent) {
        const std::size_t n = std::min(max_bytes, all.size() - sent);
        std::string piece = all.substr(sent, n);
        sent += n;
        max_bytes -= n;
        return piece;
    };
    r.output.stdout_text = take(state.output.stdout_text, state.stdout_sent);
    r.output.stderr_text = take(state.output.stderr_text, state.stderr_sent);
    r.output.exit_code = state.output.exit_code;
    r.done = state.stdout_sent == state.output.stdout_text.size() && state.stderr_sent == state.output.stderr_text.size();
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
