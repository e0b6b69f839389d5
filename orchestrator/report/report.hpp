#pragma once
/// The change report of one run (schema "fleetmend.report/1"): a fold over
/// the run's events. It holds no secret by construction: nothing in it comes
/// from connection settings other than names, addresses and transport kinds.
#include "orchestrator/report/events.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

inline constexpr const char* report_schema_id = "fleetmend.report/1";

struct file_digest {
    std::string path;
    std::string sha256;  // lower-case hex
};

struct batch_report {
    int batch = 0;  // 1-based
    std::vector<std::string> hosts;
    std::optional<wall_time> started, finished;
    int failures = 0;  // failed + unreachable + rollback-failed
    bool halted = false;
    std::string reason;
    std::string run_id;  // merged reports only: the run this batch came from
};

/// A step the host started and never finished: its outcome is unknown (the
/// orchestrator died or was cut off while it ran).
struct unfinished_step {
    phase in_phase = phase::capture;
    std::string name;
    wall_time started{};
};

struct host_report {
    std::string name;
    std::string address;
    std::optional<transport_kind> transport;  // none when never started
    int batch = 0;
    host_status status = host_status::skipped;
    /// false: started and never finished (status is then meaningless and the
    /// renderings say "unfinished"), or planned and never started.
    bool finished = false;
    std::optional<wall_time> started, ended;
    fact_map facts_before, facts_after;
    std::vector<step_record> steps;
    std::optional<unfinished_step> in_flight;
    /// The last lifecycle phase recorded entered (host_lifecycle.hpp); the
    /// report shows it for an unfinished host.
    std::optional<host_phase> lifecycle_phase;
    std::optional<error_kind> error;
    std::string message;
    std::string run_id;  // merged reports only: the run this result came from
    /// Of the host's last workflow; all zero when it never finished.
    connection_figures connection;
};

/// What a renderer shows as a host's state: its status word, or "unfinished".
[[nodiscard]] std::string status_word(const host_report& host);

/// Whether the run closed the scan findings a host came for: it ended
/// verified compliant (changed after its verify, or compliant as captured).
/// A rollback run reopens them, so it never closes any.
[[nodiscard]] bool findings_closed(const host_report& host, run_mode mode);

/// Counts per status word (every status present, zeros included), plus
/// "unfinished" and "total".
using status_counts = std::map<std::string, int>;

struct report_source {
    std::string run_id;
    std::string path;
    std::optional<shard_spec> shard;       // the source was a --shard run
    std::optional<run_approval> approval;  // who let that run start (each shard has its own)
};

struct run_report {
    std::string schema = report_schema_id;
    std::string run_id;
    run_mode mode = run_mode::apply;
    std::string tool_version;
    file_digest playbook, inventory;
    std::string source_report;  // rollback: the report restored from
    std::string forced;         // why checks were overridden with --force; empty: none
    std::optional<shard_spec> shard;  // --shard K/N; none: every targeted host
    std::optional<wall_time> started, finished;
    bool complete = false;     // run_finished was seen
    bool interrupted = false;  // the run stopped on a signal
    rollout_settings rollout;
    std::vector<batch_report> batches;
    status_counts summary;
    std::vector<host_report> hosts;  // plan order
    std::vector<report_source> sources;  // merged reports only
    std::optional<scan_source> scan;      // targets came from a scan export
    std::optional<run_approval> approval;  // who let a changing run start
    std::optional<preflight_summary> preflight;

    [[nodiscard]] const host_report* find(const std::string& name) const;
    /// Recomputes summary and the failures of unfinished batches from hosts.
    void recount();
};

/// Folds events into a run_report. Safe to publish to from many threads.
/// A host's later status wins; a host that started and never finished stays
/// "unfinished" with the step whose outcome is unknown.
class report_builder : public event_sink {
public:
    /// The report as of the events so far (counts recomputed).
    [[nodiscard]] run_report snapshot();

protected:
    void on_event(const run_event& event) override;

private:
    host_report& host(const std::string& name);
    batch_report& batch(int number);

    run_report report_;
    std::map<std::string, std::size_t> index_;  // host name -> position in report_.hosts
    std::mutex snapshot_mutex_;
};

/// Builds a report from a sequence of events (a journal, a test).
[[nodiscard]] run_report build_report(const std::vector<run_event>& events);

[[nodiscard]] nlohmann::json report_to_json(const run_report& report);
/// Streams the report's JSON text (the bytes of report_to_json(report).dump(2)
/// with bad UTF-8 replaced, plus a final newline) to `out` in pieces, holding
/// one host's JSON tree at a time. Stops and returns false when `out` does.
[[nodiscard]] bool write_report_json(const run_report& report, const std::function<bool(std::string_view)>& out);
/// Checks the schema id and the shape; the error names the offending key.
[[nodiscard]] std::expected<run_report, std::string> report_from_json(const nlohmann::json& j);
/// Reads and parses a report file; errors say which file and what is wrong.
[[nodiscard]] std::expected<run_report, std::string> read_report_file(const std::string& path);

/// Writes atomically: a temp file in the same folder (mode 0600), fsync,
/// rename over path, fsync the folder. On failure nothing is left behind.
[[nodiscard]] std::expected<void, std::string> write_report_file(const run_report& report, const std::string& path);
/// The same for any text (renderings, merged reports).
[[nodiscard]] std::expected<void, std::string> write_file_atomically(const std::string& text, const std::string& path);
/// The same for text produced in pieces: `produce` hands each piece to the
/// writer it is given and returns false to abandon the file.
[[nodiscard]] std::expected<void, std::string> write_file_atomically_from(
    const std::string& path, const std::function<bool(const std::function<bool(std::string_view)>&)>& produce);

/// Lower-case hex SHA-256 of a file's bytes (OpenSSL EVP); empty when the
/// file cannot be read (the report then shows no digest rather than a wrong one).
[[nodiscard]] std::string sha256_file(const std::string& path);

/// "20261127T081500Z-3f9a": sortable UTC time plus 4 random hex digits.
[[nodiscard]] std::string make_run_id(wall_time now = std::chrono::system_clock::now());

}  // namespace fleetmend
