// WinRM transport: one channel (TCP connection + authentication) and one cmd
// shell per host, reused by every step; the WS-Man shell lifecycle on top.
#include "transports/winrm/winrm_transport.hpp"

#include "transports/winrm/powershell_command.hpp"
#include "transports/winrm/winrm_channel.hpp"
#include "transports/winrm/wsman_envelope.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace fleetmend {
namespace {

using namespace std::chrono_literals;
namespace wr = winrm;

// Time a cleanup message (Signal, Delete) may take before we give up on it.
constexpr auto cleanup_budget = 5s;
// Grace beyond OperationTimeout for the host to answer a Receive it held open.
constexpr auto receive_grace = 10s;

std::string new_message_id() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        for (auto& c : b) c = static_cast<unsigned char>(clock_type::now().time_since_epoch().count() >> 3);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    char text[48];
    std::snprintf(text, sizeof text, "uuid:%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return text;
}

// What the host said, as a result: a SOAP body, a WS-Man fault, or a transport error.
struct wsman_outcome {
    std::string soap;
    std::optional<wr::wsman_fault> fault;
};

// A failed Send, with the fault code when the host answered one.
struct input_failure {
    transport_error error;
    std::uint32_t fault_code = 0;
};

// Faults after which a new shell on the same connection can take the command:
// the shell is gone (the WinRM service restarted, an idle shell expired) or the
// per-user operations quota is used up, which only a new shell resets (Signal
// terminate does not release a cmd shell's operations, MS-WSMV 3.1.4.12 <118>).
bool shell_replaceable(std::uint32_t code) {
    return code == wr::fault_code::shell_not_found || code == wr::fault_code::too_many_operations;
}

// Tries per command: the first shell and two replacements.
constexpr int shell_attempts = 3;

void append_capped(std::string& kept, std::uint64_t& total, const std::string& chunk, std::size_t cap) {
    total += chunk.size();
    if (kept.size() < cap) kept.append(chunk, 0, std::min(chunk.size(), cap - kept.size()));
}

}  // namespace

struct winrm_transport::state {
    connection_settings settings;
    transport_stats stats;
    std::unique_ptr<wr::winrm_channel> channel;
    std::string shell_id;
    std::chrono::seconds operation_timeout{5};
    std::atomic<bool> cancelled{false};  // set by cancel() from any thread; polled between requests
    std::size_t max_envelope = wr::default_max_envelope_size;
    bool envelope_learned = false;
    bool host_gone = false;  // the last attempt could not reach the host: skip cleanup round trips

    std::string host() const { return settings.host_name; }

    wr::envelope_header header() const {
        wr::envelope_header h{channel->endpoint(), new_message_id(), operation_timeout};
        h.max_envelope_size = max_envelope;
        return h;
    }

    // Keeps OperationTimeout well inside the command timeout so a long command
    // is polled (and can time out on our side) rather than hanging one request.
    // At most 5 s: a Receive held by the host cannot be cut without losing the
    // connection, so this also bounds how long cancel() waits for the next
    // safe point (between two Receives) to terminate the command.
    void choose_operation_timeout() {
        auto quarter = std::chrono::duration_cast<std::chrono::seconds>(settings.command_timeout / 4);
        operation_timeout = std::clamp<std::chrono::seconds>(quarter, 1s, 5s);
    }

    transport_error stopped(const std::string& what) const {
        return {error_kind::cancelled, host() + ": stopped by the operator: " + what};
    }

    deadline request_deadline(deadline until) const {
        return std::min(until, clock_type::now() + operation_timeout + receive_grace);
    }

    std::expected<wsman_outcome, transport_error> send(const std::string& soap, deadline until) {
        auto reply = channel->exchange(soap, request_deadline(until));
        if (!reply) {
            host_gone = reply.error().kind == error_kind::unreachable;
            return std::unexpected(reply.error());
        }
        host_gone = false;
        auto fault = wr::parse_fault(reply->text);
        if (!fault) {
            return std::unexpected(transport_error{
                error_kind::protocol, host() + " answered HTTP " + std::to_string(reply->status) + " with " + fault.error()});
        }
        if (*fault) return wsman_outcome{{}, std::move(**fault)};
        if (reply->status != 200)
            return std::unexpected(transport_error{error_kind::protocol, host() + " answered HTTP " +
                                                                             std::to_string(reply->status) +
                                                                             " without a WS-Man fault"});
        return wsman_outcome{std::move(reply->text), std::nullopt};
    }

    transport_error fault_error(const char* during, const wr::wsman_fault& fault) const {
        return {error_kind::remote_fault, host() + ": " + during + " failed: " + fault.describe()};
    }

    std::expected<void, transport_error> create_shell(deadline until) {
        auto outcome = send(wr::build_create_shell(header()), until);
        if (!outcome) return std::unexpected(outcome.error());
        if (outcome->fault) {
            auto error = fault_error("creating the remote shell", *outcome->fault);
            if (outcome->fault->wsman_code == wr::fault_code::too_many_shells)
                error.message += ". Other sessions of this user hold the host's shells (fleetmend holds at most one "
                                 "per host): close them, or raise the quota on the host: "
                                 "winrm set winrm/config/winrs @{MaxShellsPerUser=\"50\"}";
            return std::unexpected(std::move(error));
        }
        auto id = wr::parse_shell_id(outcome->soap);
        if (!id) return std::unexpected(transport_error{error_kind::protocol, host() + ": " + id.error()});
        shell_id = std::move(*id);
        ++stats.shells;
        return {};
    }

    void delete_shell() noexcept {
        if (shell_id.empty() || !channel || host_gone) return;
        auto outcome = send(wr::build_delete_shell(header(), shell_id), clock_type::now() + cleanup_budget);
        // 995 (aborted) and "shell not found" only mean the shell is already gone.
        if (outcome && outcome->fault) {
            auto code = outcome->fault->wsman_code.value_or(0);
            if (code != wr::fault_code::operation_aborted && code != wr::fault_code::shell_not_found)
                spdlog::debug("{}: deleting the shell: {}", host(), outcome->fault->describe());
        }
        shell_id.clear();
    }

    void terminate(const std::string& command_id) {
        auto outcome = send(wr::build_signal_terminate(header(), shell_id, command_id), clock_type::now() + cleanup_budget);
        if (outcome && outcome->fault) {
            auto code = outcome->fault->wsman_code.value_or(0);
            if (code != wr::fault_code::operation_aborted && code != wr::fault_code::shell_not_found)
                spdlog::debug("{}: terminating command: {}", host(), outcome->fault->describe());
        }
    }

    // The envelope size the host accepts, learned once per host when a script
    // needs Send: the config Get as pypsrp and the WinRM gem read it; hosts that
    // refuse it (pre-2012, non-administrators) keep the 150 KiB default.
    void learn_envelope_size(deadline until) {
        if (envelope_learned) return;
        envelope_learned = true;
        auto outcome = send(wr::build_get_config(header()), until);
        std::optional<std::size_t> kb;
        if (outcome && !outcome->fault) kb = wr::parse_max_envelope_size_kb(outcome->soap);
        if (kb && *kb * 1024 >= wr::large_max_envelope_size) max_envelope = wr::large_max_envelope_size;
        spdlog::debug("{}: MaxEnvelopeSize {} bytes ({})", host(), max_envelope,
                      kb ? "MaxEnvelopeSizekb " + std::to_string(*kb) : std::string("config not readable: default"));
    }

    // Streams the input in Sends that fit the envelope size; End on the last.
    std::expected<void, input_failure> feed_input(const std::string& command_id, const std::string& input,
                                                  deadline until) {
        learn_envelope_size(until);
        const std::size_t capacity = wr::send_capacity(header(), shell_id, command_id);
        if (capacity == 0)
            return std::unexpected(input_failure{{error_kind::protocol, host() + ": MaxEnvelopeSize " +
                                                                            std::to_string(max_envelope) +
                                                                            " leaves no room for input"}});
        for (std::size_t at = 0; at < input.size(); at += capacity) {
            const bool last = at + capacity >= input.size();
            auto piece = std::string_view(input).substr(at, capacity);
            auto outcome = send(wr::build_send(header(), shell_id, command_id, piece, last), until);
            if (!outcome) return std::unexpected(input_failure{outcome.error()});
            if (outcome->fault)
                return std::unexpected(input_failure{fault_error("sending the script (stdin)", *outcome->fault),
                                                     outcome->fault->wsman_code.value_or(0)});
        }
        return {};
    }

    void replace_shell(std::uint32_t code, const wr::wsman_fault& fault) {
        spdlog::info("{}: {} (the command was not started); opening a new shell on the same connection", host(),
                     fault.describe());
        if (code == wr::fault_code::too_many_operations) delete_shell();  // it still exists and holds the quota
        shell_id.clear();
    }

    // Starts the command and feeds its input. A fault that proves the command
    // never ran (at Command; at Send, since the bootstrap runs nothing before
    // all input arrived) and that a new shell cures runs it again in a new shell.
    std::expected<std::string, transport_error> launch(const wr::command_plan& plan, deadline until) {
        for (int attempt = 1;; ++attempt) {
            if (shell_id.empty())
                if (auto created = create_shell(until); !created) return std::unexpected(created.error());
            const auto& line = plan.line;
            auto outcome = send(wr::build_command(header(), shell_id, line.command, line.arguments, line.skip_cmd_shell),
                                until);
            if (!outcome) return std::unexpected(outcome.error());
            if (outcome->fault) {
                const auto code = outcome->fault->wsman_code.value_or(0);
                if (attempt < shell_attempts && shell_replaceable(code)) {
                    replace_shell(code, *outcome->fault);
                    continue;
                }
                return std::unexpected(fault_error("starting the command", *outcome->fault));
            }
            auto id = wr::parse_command_id(outcome->soap);
            if (!id) return std::unexpected(transport_error{error_kind::protocol, host() + ": " + id.error()});
            if (plan.input.empty()) return std::move(*id);
            auto fed = feed_input(*id, plan.input, until);
            if (fed) return std::move(*id);
            if (attempt < shell_attempts && shell_replaceable(fed.error().fault_code)) {
                spdlog::info("{}; the script had not run yet: opening a new shell", fed.error().error.message);
                terminate(*id);
                if (fed.error().fault_code == wr::fault_code::too_many_operations) delete_shell();
                shell_id.clear();
                continue;
            }
            terminate(*id);
            return std::unexpected(std::move(fed.error().error));
        }
    }

    std::expected<exec_result, transport_error> collect(const std::string& command_id, deadline until,
                                                        clock_type::time_point started) {
        exec_result result;
        // After the command started, a failure keeps what it printed so far.
        auto with_partial = [&](transport_error error) {
            result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
            error.partial = std::move(result);
            return std::unexpected(std::move(error));
        };
        for (;;) {
            if (cancelled.load()) {
                terminate(command_id);
                delete_shell();
                return with_partial(stopped("the command was terminated (Signal) and its shell deleted"));
            }
            if (clock_type::now() >= until) {
                terminate(command_id);
                return with_partial(transport_error{
                    error_kind::timeout, host() + ": the command did not finish within its timeout (" +
                                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                                clock_type::now() - started)
                                                                .count()) +
                                             "s) and was terminated"});
            }
            auto outcome = send(wr::build_receive(header(), shell_id, command_id), until);
            if (!outcome) {
                if (outcome.error().kind == error_kind::timeout && clock_type::now() >= until) continue;
                return with_partial(outcome.error());
            }
            if (outcome->fault) {
                // Nothing new within OperationTimeout: the command is still running.
                if (outcome->fault->wsman_code == wr::fault_code::operation_timed_out) continue;
                if (outcome->fault->wsman_code == wr::fault_code::shell_not_found) {
                    // The command started and may have changed the host: never run it again
                    // here. The next step gets a new shell.
                    shell_id.clear();
                    return with_partial(transport_error{
                        error_kind::remote_fault,
                        host() + ": the host lost the shell while the command ran (the WinRM service restarted?); "
                                 "not run again because it had started and may have made changes: " +
                            outcome->fault->describe()});
                }
                return with_partial(fault_error("reading command output", *outcome->fault));
            }
            auto chunk = wr::parse_receive(outcome->soap);
            if (!chunk) return with_partial(transport_error{error_kind::protocol, host() + ": " + chunk.error()});
            append_capped(result.stdout_text, result.stdout_total_bytes, chunk->stdout_bytes, settings.max_output_bytes);
            append_capped(result.stderr_text, result.stderr_total_bytes, chunk->stderr_bytes, settings.max_output_bytes);
            if (chunk->done) {
                result.exit_code = chunk->exit_code.value_or(0);
                return result;
            }
        }
    }
};

winrm_transport::winrm_transport(connection_settings settings) : state_(std::make_unique<state>()) {
    state_->settings = std::move(settings);
    state_->choose_operation_timeout();
}

winrm_transport::~winrm_transport() { close(); }

std::expected<void, transport_error> winrm_transport::connect(deadline until) {
    auto& s = *state_;
    if (s.cancelled.load()) return std::unexpected(s.stopped("not connected"));
    if (s.channel) return {};
    // Opening and logging in are bounded by the connect deadline; a cancel
    // cuts the name lookup and the TCP connect short (the logon's few round
    // trips are left to finish: a half-done logon has nothing to clean up).
    s.channel = std::make_unique<wr::winrm_channel>(s.settings, s.stats, &s.cancelled);
    if (auto opened = s.channel->open(until); !opened) {
        s.channel.reset();
        if (s.cancelled.load()) return std::unexpected(s.stopped("not connected"));
        return opened;
    }
    if (auto created = s.create_shell(until); !created) {
        s.channel->close();
        s.channel.reset();
        return created;
    }
    return {};
}

std::expected<exec_result, transport_error> winrm_transport::run(const std::string& command, shell_kind shell,
                                                                 deadline until) {
    auto& s = *state_;
    if (!s.channel)
        return std::unexpected(transport_error{error_kind::config, s.host() + ": run() before connect()"});
    wr::command_plan plan;
    if (shell == shell_kind::cmd) plan = wr::plan_cmd(command);
    else if (shell == shell_kind::powershell) plan = wr::plan_powershell(command);
    else
        return std::unexpected(transport_error{
            error_kind::config, s.host() + ": shell \"sh\" does not exist on Windows; use cmd or powershell, or "
                                           "transport = \"ssh\" for this host"});

    if (s.cancelled.load()) return std::unexpected(s.stopped("the command was not started"));
    auto started = clock_type::now();
    auto command_id = s.launch(plan, until);
    if (!command_id) return std::unexpected(command_id.error());
    ++s.stats.commands;
    auto result = s.collect(*command_id, until, started);
    if (!result) return result;
    s.terminate(*command_id);  // releases the finished command's resources on the host
    if (shell == shell_kind::powershell) result->stderr_text = wr::decode_clixml_stderr(result->stderr_text);
    result->duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    return result;
}

void winrm_transport::close() noexcept {
    auto& s = *state_;
    if (!s.channel) return;
    s.delete_shell();
    s.channel->close();
    s.channel.reset();
}

void winrm_transport::cancel() noexcept { state_->cancelled.store(true); }

transport_stats winrm_transport::stats() const noexcept { return state_->stats; }

}  // namespace fleetmend
