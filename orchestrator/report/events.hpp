#pragma once
/// The events of a run. The runner and scheduler emit them; the journal
/// records them (one per line, durable before the remote action that depends
/// on them); the report is a fold over them, so a report can be rebuilt from
/// a journal alone.
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/config/scan_export.hpp"

#include <chrono>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fleetmend {

using wall_time = std::chrono::system_clock::time_point;
using fact_map = std::map<std::string, std::string>;

/// audit: a check whose purpose is the verdict (`fleetmend audit`); the hosts
/// run exactly as under check, but a non-compliant host is a failure.
enum class run_mode { apply, check, rollback, audit };
[[nodiscard]] const char* to_string(run_mode m) noexcept;

enum class host_status {
    changed, unchanged, would_change, failed, rolled_back, rollback_failed, unreachable, skipped
};
[[nodiscard]] const char* to_string(host_status s) noexcept;  // "rolled-back", "would-change", ...

/// The phases of one host's lifecycle (host_lifecycle.hpp has the
/// transitions between them).
enum class host_phase { connect, capture, compliant, apply, verify, rollback, recapture, done };
[[nodiscard]] const char* to_string(host_phase p) noexcept;  // "connect", ..., "recapture", "done"

/// One finished step (after all its attempts).
struct step_record {
    phase in_phase = phase::capture;
    std::string name;
    std::string command;            // rendered command, or "probe teredo <address>"
    std::optional<int> exit_code;   // none when the step never produced one
    std::string stdout_excerpt;     // bounded; totals below say how much there was
    std::string stderr_excerpt;
    std::uint64_t stdout_total_bytes = 0;
    std::uint64_t stderr_total_bytes = 0;
    int attempts = 1;
    wall_time started{};
    std::chrono::milliseconds duration{0};
    bool ok = false;                 // the expectation held
    std::optional<error_kind> error; // transport-level error of the last attempt
    std::string message;             // why it failed (expectation, error text, hint)
    /// Not run: the output of this earlier step, the same command with no
    /// change on the host since, was judged instead (attempts is then 0).
    std::string reused_from;
};

/// `--shard K/N`: the run covered slice K (1-based) of N of its targeted
/// hosts; the slice a host falls in depends on its name only (see run_targets).
struct shard_spec {
    unsigned index = 1;
    unsigned count = 1;
    friend bool operator==(const shard_spec&, const shard_spec&) = default;
};

/// A scan host that named no targeted inventory host: listed, never contacted.
struct scan_unmatched_host {
    std::string name, ip, fqdn;
    std::string reason;  // "no inventory host has this name, FQDN or address", "not targeted by the playbook"
    friend bool operator==(const scan_unmatched_host&, const scan_unmatched_host&) = default;
};

/// `--limit @scan.nessus[:IDS]` / `@scan.csv`: where the targets came from and,
/// per targeted inventory host, the findings it came for.
struct scan_source {
    std::string path, sha256;
    std::vector<std::string> wanted;  // finding ids asked for; empty: every finding
    std::size_t scan_hosts = 0;       // hosts the export listed (after the id filter)
    std::map<std::string, std::vector<scan_finding>> findings;  // inventory host name -> its findings
    std::vector<scan_unmatched_host> unmatched;
    friend bool operator==(const scan_source&, const scan_source&) = default;
};

/// Who let a changing run start, from where, when, under which change
/// ticket, and the exact command line (secrets are never on it).
struct run_approval {
    std::string change_ticket;  // empty: none given
    std::string confirmed_by;   // the OS user
    std::string workstation;    // host name of the machine fleetmend ran on
    std::string how;            // "prompt" (answered on a terminal) or "--yes"
    std::string command_line;
    wall_time at{};
    friend bool operator==(const run_approval&, const run_approval&) = default;
};

/// Preflight: before the first batch every targeted host was connected to,
/// authenticated and checked for rights to change it; those that failed
/// were left out of the plan (or the run stopped before it started).
struct preflight_failure {
    std::string host;
    std::optional<error_kind> error;
    std::string message;
    friend bool operator==(const preflight_failure&, const preflight_failure&) = default;
};
struct preflight_summary {
    std::size_t hosts = 0;  // checked
    std::vector<preflight_failure> failed;
    std::chrono::milliseconds took{0};
    friend bool operator==(const preflight_summary&, const preflight_summary&) = default;
};

struct run_started {
    std::string run_id;
    run_mode mode = run_mode::apply;
    std::string tool_version;
    std::string playbook_path, playbook_sha256;
    std::string inventory_path, inventory_sha256;
    std::string source_report;  // rollback: the report it restores from (absolute path)
    std::string source_report_sha256;  // rollback: its SHA-256, checked again by a resume
    /// Why checks were overridden with --force (a rollback from a report of
    /// another inventory or playbook, hosts whose facts moved); empty: none.
    std::string forced;
    std::optional<shard_spec> shard;  // --shard K/N; none: every targeted host
    rollout_settings rollout;
    std::vector<std::vector<std::string>> batches;  // the plan: host names per batch
    std::optional<scan_source> scan;      // the targets came from a scan export
    std::optional<run_approval> approval;  // a run that changes hosts
    std::optional<preflight_summary> preflight;
    wall_time at{};
};
struct batch_started { int batch = 0; wall_time at{}; };
struct host_started {
    std::string host, address;
    transport_kind transport = transport_kind::winrm;
    int batch = 0;
    wall_time at{};
};
/// Recorded before a step's remote action; a journal with step_started and no
/// step_finished means that step's outcome is unknown.
struct step_started { std::string host; phase in_phase = phase::capture; std::string name; wall_time at{}; };
struct step_finished { std::string host; step_record step; };
/// A host entered a phase of its lifecycle. One that changes the host (apply,
/// rollback) is on disk before publish returns.
struct host_transition {
    std::string host;
    host_phase from = host_phase::connect;
    host_phase to = host_phase::capture;
    std::string cause;  // the failure that led here; empty when the phase before succeeded
    wall_time at{};
};
struct facts_captured { std::string host; bool before = true; fact_map facts; };
/// What reaching a host took: TCP connections, logons, and remote shells
/// (WinRM opens one, and a new one where it was lost; SSH opens none: each
/// command has a channel of its own).
struct connection_figures {
    unsigned connections = 0;
    unsigned authentications = 0;
    unsigned shells = 0;
    friend bool operator==(const connection_figures&, const connection_figures&) = default;
    connection_figures& operator+=(const connection_figures& more) noexcept {
        connections += more.connections;
        authentications += more.authentications;
        shells += more.shells;
        return *this;
    }
};
struct host_finished {
    std::string host;
    host_status status = host_status::failed;
    std::optional<error_kind> error;
    std::string message;
    wall_time at{};
    connection_figures connection{};
};
struct batch_finished {
    int batch = 0;
    int failures = 0;  // failed + unreachable (+ rollback-failed)
    bool halted = false;
    std::string reason;
    wall_time at{};
    int unreachable = 0;  // of those failures
};
struct run_finished { bool interrupted = false; wall_time at{}; };

using run_event = std::variant<run_started, batch_started, host_started, step_started, step_finished,
                               facts_captured, host_finished, batch_finished, run_finished, host_transition>;

/// Receives events from many threads. The public method serializes calls and
/// forwards to a protected hook, so implementers never handle locking.
class event_sink {
public:
    virtual ~event_sink() = default;
    void publish(const run_event& event) {
        {
            std::lock_guard lock(mutex_);
            on_event(event);
        }
        after_event(event);
    }

    /// Whether this sink still records what is published: an error (naming
    /// the file and why) once a journal cannot write or sync. No host may be
    /// changed after that (host_lifecycle.hpp: refused_without_journal).
    [[nodiscard]] virtual std::expected<void, std::string> record_health() const { return {}; }

protected:
    virtual void on_event(const run_event& event) = 0;
    /// Called right after on_event by the same thread, outside the lock. A
    /// sink that must wait before publish returns (the journal waits until the
    /// record is durable) waits here, so other threads can publish meanwhile
    /// and share one fsync. A sink that forwards to other sinks should forward
    /// from here, not from on_event, so their waits do not hold its lock.
    virtual void after_event(const run_event& /*event*/) {}

private:
    std::mutex mutex_;
};

}  // namespace fleetmend
