#pragma once
// A scripted fleet for the engine's unit tests: each host's transport answers
// `netsh interface teredo ...` like real Windows (TEREDO.md) from per-host
// state, with faults a test switches on, and counts what ran. Pure logic
// stand-in for the transports; the real transports have their own tests.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/step_runner.hpp"
#include "orchestrator/report/events.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fleetmend::test {

struct fake_host {
    std::string type = "client";  // the Teredo type netsh reports
    bool group_policy = false;     // prints "(Group Policy)" after the type
    bool unreachable = false;      // connect fails
    bool needs_elevation = false;  // set state fails like a non-elevated shell
    /// `set state type=disabled` reports Ok. but leaves this type behind
    /// (verification must catch it); empty: the set works.
    std::string disable_leaves;
    /// Non-empty: the set command hangs after printing this and runs into its
    /// timeout (the error carries what it printed).
    std::string set_hangs_printing;
    /// Non-empty: the set command prints this and then blocks until the
    /// transport is cancelled (or its deadline passes).
    std::string set_blocks_printing;
    int stale_reads = 0;  // show state still prints the old type this many times after each set
    int stale_left = 0;
    // counters
    int sets = 0;
    int connects = 0;
    int closes = 0;
    int cancels = 0;  // cancel() calls on this host's transports
    std::vector<std::string> commands;
    std::string type_before_last_set;
};

/// One log entry per command, in the order the fleet saw them (all hosts).
struct fleet_log_entry {
    std::string host;
    std::string command;
};

class fake_fleet {
public:
    fake_host& host(const std::string& name) {
        std::lock_guard lock(mutex_);
        return hosts_[name];
    }
    std::vector<fleet_log_entry> log() const {
        std::lock_guard lock(mutex_);
        return log_;
    }
    int max_in_flight() const { return max_in_flight_.load(); }
    /// Commands blocked in set_blocks_printing right now.
    int blocked() const { return blocked_.load(); }
    std::string type_of(const std::string& name) {
        std::lock_guard lock(mutex_);
        return hosts_[name].type;
    }
    int total_sets() const {
        std::lock_guard lock(mutex_);
        int sets = 0;
        for (const auto& [name, h] : hosts_) sets += h.sets;
        return sets;
    }
    /// How long each command takes (so hosts overlap in time).
    std::chrono::milliseconds command_delay{0};

    transport_factory factory() {
        return [this](const connection_settings& settings) -> std::unique_ptr<transport> {
            return std::make_unique<fake_transport>(*this, settings.host_name);
        };
    }

private:
    class fake_transport final : public transport {
    public:
        fake_transport(fake_fleet& fleet, std::string name) : fleet_(fleet), name_(std::move(name)) {}
        ~fake_transport() override { close(); }

        std::expected<void, transport_error> connect(deadline) override {
            if (cancelled_.load())
                return std::unexpected(transport_error{error_kind::cancelled, "stopped by the operator"});
            std::lock_guard lock(fleet_.mutex_);
            auto& h = fleet_.hosts_[name_];
            ++h.connects;
            if (h.unreachable)
                return std::unexpected(transport_error{error_kind::unreachable,
                                                       "connection refused by " + name_ + ":5985"});
            connected_ = true;
            const int now = ++fleet_.in_flight_;
            int seen = fleet_.max_in_flight_.load();
            while (now > seen && !fleet_.max_in_flight_.compare_exchange_weak(seen, now)) {
            }
            ++stats_.connections;
            return {};
        }

        std::expected<exec_result, transport_error> run(const std::string& command, shell_kind,
                                                        deadline until) override {
            if (cancelled_.load())
                return std::unexpected(transport_error{error_kind::cancelled, "stopped by the operator"});
            if (fleet_.command_delay.count() > 0) std::this_thread::sleep_for(fleet_.command_delay);
            if (auto blocked = block_if_asked(command, until)) return std::move(*blocked);
            std::lock_guard lock(fleet_.mutex_);
            ++stats_.commands;
            auto& h = fleet_.hosts_[name_];
            h.commands.push_back(command);
            fleet_.log_.push_back({name_, command});
            if (!h.set_hangs_printing.empty() && command.starts_with("netsh interface teredo set state")) {
                exec_result printed;
                printed.stdout_text = h.set_hangs_printing;
                printed.stdout_total_bytes = printed.stdout_text.size();
                return std::unexpected(transport_error{error_kind::timeout, "the command did not finish within its timeout",
                                                       std::move(printed)});
            }
            return netsh(h, command);
        }

        void close() noexcept override {
            if (!connected_) return;
            connected_ = false;
            std::lock_guard lock(fleet_.mutex_);
            ++fleet_.hosts_[name_].closes;
            --fleet_.in_flight_;
        }

        void cancel() noexcept override {
            cancelled_.store(true);
            std::lock_guard lock(fleet_.mutex_);
            ++fleet_.hosts_[name_].cancels;
        }

        transport_stats stats() const noexcept override { return stats_; }

    private:
        /// set_blocks_printing: waits for cancel() (or the deadline) as a
        /// hanging remote command would, then fails with what it printed.
        std::optional<std::expected<exec_result, transport_error>> block_if_asked(const std::string& command,
                                                                                   deadline until) {
            std::string printed_text;
            {
                std::lock_guard lock(fleet_.mutex_);
                printed_text = fleet_.hosts_[name_].set_blocks_printing;
            }
            if (printed_text.empty() || !command.starts_with("netsh interface teredo set state")) return std::nullopt;
            ++fleet_.blocked_;
            while (!cancelled_.load() && clock_type::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
            --fleet_.blocked_;
            exec_result printed;
            printed.stdout_text = printed_text;
            printed.stdout_total_bytes = printed_text.size();
            const bool by_cancel = cancelled_.load();
            return std::unexpected(transport_error{by_cancel ? error_kind::cancelled : error_kind::timeout,
                                                   by_cancel ? "stopped by the operator" : "timed out",
                                                   std::move(printed)});
        }

        static exec_result netsh(fake_host& h, const std::string& command) {
            exec_result r;
            const std::string show = "netsh interface teredo show state";
            const std::string set = "netsh interface teredo set state type=";
            if (command == show || command == "netsh int teredo show state") {  // netsh takes "int" too
                std::string shown = h.type;
                if (h.stale_left > 0) {
                    --h.stale_left;
                    shown = h.type_before_last_set;
                }
                r.stdout_text = "Teredo Parameters\r\n"
                                "---------------------------------------------\r\n"
                                "Type                    : " + shown +
                                (h.group_policy ? " (Group Policy)" : "") + "\r\n"
                                "Server Name             : teredo.ipv6.microsoft.com.\r\n"
                                "Client Refresh Interval : 30 seconds\r\n"
                                "Client Port             : unspecified\r\n"
                                "State                   : offline\r\n"
                                "Error                   : none\r\n";
            } else if (command.starts_with(set)) {
                const std::string wanted = command.substr(set.size());
                static const std::set<std::string> types{"disabled", "client", "enterpriseclient",
                                                         "natawareclient", "default", "server"};
                if (h.needs_elevation) {
                    r.exit_code = 1;
                    r.stdout_text = "The requested operation requires elevation (Run as administrator).\r\n";
                } else if (!types.contains(wanted)) {
                    r.exit_code = 1;
                    r.stdout_text = "The parameter is incorrect.\r\n";
                } else {
                    ++h.sets;
                    h.type_before_last_set = h.type;
                    h.stale_left = h.stale_reads;
                    h.type = wanted == "disabled" && !h.disable_leaves.empty() ? h.disable_leaves : wanted;
                    r.stdout_text = "Ok.\r\n";
                }
            } else {
                r.exit_code = 1;
                r.stderr_text = "'" + command + "' is not recognized as an internal or external command.\r\n";
            }
            r.stdout_total_bytes = r.stdout_text.size();
            r.stderr_total_bytes = r.stderr_text.size();
            return r;
        }

        fake_fleet& fleet_;
        std::string name_;
        bool connected_ = false;
        std::atomic<bool> cancelled_{false};
        transport_stats stats_;
    };

    mutable std::mutex mutex_;
    std::map<std::string, fake_host> hosts_;
    std::vector<fleet_log_entry> log_;
    int in_flight_ = 0;
    std::atomic<int> max_in_flight_{0};
    std::atomic<int> blocked_{0};
};

inline pattern make_pattern(const std::string& text) { return pattern{text, boost::regex(text)}; }

/// playbooks/teredo-disable.toml, built by hand (the engine's tests do not
/// depend on the loader).
inline playbook teredo_playbook() {
    playbook book;
    book.path = "playbooks/teredo-disable.toml";
    book.name = "teredo-disable";
    book.platform = "windows";
    book.targets = "all";
    book.safe_fact_pattern = make_pattern("^[A-Za-z0-9_.:-]+$");

    step capture;
    capture.in_phase = phase::capture;
    capture.id = "teredo";
    capture.name = "teredo";
    capture.run = "netsh interface teredo show state";
    capture.facts = {{"type", make_pattern(R"(Type\s*:\s*(\w+))")},
                     {"policy", make_pattern(R"(Type\s*:\s*\w+\s*(\(Group Policy\)))")}};
    book.capture.push_back(capture);

    book.compliant = {{"teredo.type", "disabled"}};

    step apply;
    apply.in_phase = phase::apply;
    apply.name = "disable teredo";
    apply.run = "netsh interface teredo set state type=disabled";
    apply.expect.exit_code = 0;
    apply.hint = "run as an administrator on {{host.name}}";
    book.apply.push_back(apply);

    step verify;
    verify.in_phase = phase::verify;
    verify.name = "teredo type is disabled";
    verify.run = "netsh interface teredo show state";
    verify.expect.stdout_match = make_pattern(R"(Type\s*:\s*disabled)");
    verify.retries = 3;
    verify.delay = std::chrono::milliseconds(0);
    book.verify.push_back(verify);

    step rollback;
    rollback.in_phase = phase::rollback;
    rollback.name = "restore previous type";
    rollback.run = "netsh interface teredo set state type={{teredo.type}}";
    rollback.expect.exit_code = 0;
    book.rollback.push_back(rollback);
    return book;
}

inline host_entry make_host(const std::string& name, int index) {
    host_entry host;
    host.name = name;
    host.groups = {"windows"};
    host.connection.host_name = name;
    host.connection.address = "127.0.1." + std::to_string(index % 250 + 1);
    host.connection.kind = transport_kind::winrm;
    host.connection.command_timeout = std::chrono::milliseconds(5000);
    return host;
}

/// "win001".."winNNN" in inventory order.
inline std::vector<host_entry> make_hosts(int count) {
    std::vector<host_entry> hosts;
    for (int i = 1; i <= count; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "win%03d", i);
        hosts.push_back(make_host(name, i));
    }
    return hosts;
}

/// Keeps every event (thread-safe through event_sink's lock).
class recording_sink final : public event_sink {
public:
    std::vector<run_event> events;

    template <class Event>
    std::vector<Event> all() const {
        std::vector<Event> found;
        for (const auto& e : events)
            if (const auto* p = std::get_if<Event>(&e)) found.push_back(*p);
        return found;
    }
    /// host_finished events of one host, in order.
    std::vector<host_finished> finished_of(const std::string& host) const {
        std::vector<host_finished> found;
        for (const auto& f : all<host_finished>())
            if (f.host == host) found.push_back(f);
        return found;
    }

protected:
    void on_event(const run_event& event) override { events.push_back(event); }
};

inline teredo_probe_function silent_probe() {
    return [](const std::string&) -> std::expected<teredo_probe_result, transport_error> {
        teredo_probe_result r;
        r.attempts_used = 3;
        r.detail = "no answer after 3 attempts";
        return r;
    };
}

}  // namespace fleetmend::test
