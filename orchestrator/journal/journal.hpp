#pragma once
/// The write-ahead journal of a run: `<run-id>.journal`, mode 0600, append
/// only, one event per line as "<crc32 hex> <json>\n". The CRC covers the JSON
/// text, so a record torn by a crash (kill -9, power loss) is detected.
///
/// Durability: run_started, run_finished and the step_started of a step that
/// changes a host (apply, rollback) are on disk (fdatasync) before publish()
/// returns, because resume must know such a step may have run; every record
/// before them goes out with them, in order. Other records (reads: a crash
/// before they are on disk just means resume reads again) ride along with the
/// next sync or within max_delay. One background flusher writes and syncs
/// whatever is pending at once (group commit), so 50 hosts starting steps
/// together cost one fsync, not 50. A transition that changes a host
/// (host_transition into apply or rollback) is durable the same way.
///
/// Failure: the first write or sync error (disk full, read-only, I/O error),
/// or a sync that finds the file removed, is kept for good: health() and
/// record_health() report it and no later record is written.
#include "orchestrator/report/events.hpp"

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fleetmend {

/// "<dir>/<run-id>.journal"
[[nodiscard]] std::string journal_path(const std::string& report_dir, const std::string& run_id);

/// Serializes one record: "<8 hex crc32> <json>\n".
[[nodiscard]] std::string journal_record(const run_event& event);

struct journal_stats {
    std::uint64_t records = 0;  // published
    std::uint64_t syncs = 0;    // fdatasync calls (group commits)
};

struct journal_options {
    /// How long a record that nothing waits for may stay in memory.
    std::chrono::milliseconds max_delay{50};
    /// Bytes claimed on disk past the journal's end when it is opened (0:
    /// none); opening fails when the filesystem has no room for them.
    std::uint64_t reserve_bytes = 0;
};

class journal_writer final : public event_sink {
public:
    using options = journal_options;

    /// Creates a new journal (fails if the file exists: one journal per run).
    [[nodiscard]] static std::expected<std::unique_ptr<journal_writer>, std::string> create(const std::string& path,
                                                                                            options opts = {});
    /// Reopens a journal to continue it (resume): a torn last record is cut
    /// off first so new records follow the last good one.
    [[nodiscard]] static std::expected<std::unique_ptr<journal_writer>, std::string> append_to(const std::string& path,
                                                                                               options opts = {});

    journal_writer(const journal_writer&) = delete;
    journal_writer& operator=(const journal_writer&) = delete;
    /// Flushes what is pending and stops the flusher.
    ~journal_writer() override;

    /// Waits until every record published so far is on disk.
    [[nodiscard]] std::expected<void, std::string> flush();
    /// The first write or sync error, if any: a run must stop starting remote
    /// actions when its journal cannot record them.
    [[nodiscard]] std::expected<void, std::string> health() const;
    [[nodiscard]] journal_stats stats() const;
    /// record_health() of a journal is its health().
    [[nodiscard]] std::expected<void, std::string> record_health() const override { return health(); }
    /// Gives the space reserved past the journal's end back (the report needs
    /// it); later records still append. Call it only when no record is being
    /// written (after flush() with no publisher left). Also done on close.
    void release_reserve() noexcept;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

protected:
    void on_event(const run_event& event) override;
    void after_event(const run_event& event) override;

private:
    journal_writer(int fd, std::string path, options opts);
    void flusher_loop();
    void wait_durable(std::uint64_t seq);

    int fd_;
    std::string path_;
    options options_;

    mutable std::mutex mutex_;            // guards everything below
    std::condition_variable work_ready_;  // flusher: something to write
    std::condition_variable durable_;     // publishers: durable_seq_ moved
    std::string pending_;
    std::uint64_t published_seq_ = 0;
    std::uint64_t durable_seq_ = 0;
    bool urgent_ = false;
    bool stopping_ = false;
    std::optional<std::string> error_;
    journal_stats stats_;
    std::thread flusher_;
};

/// What a journal file holds.
struct journal_contents {
    std::vector<run_event> events;
    bool torn_tail = false;          // the last record(s) were incomplete or corrupt and were ignored
    std::size_t torn_bytes = 0;      // how many bytes at the end were ignored
    std::size_t valid_bytes = 0;     // the length of the good prefix
};

/// Reads every good record. A bad record followed only by bad or partial
/// records is a torn tail (reported, ignored); a bad record followed by good
/// ones is corruption and an error naming its line.
[[nodiscard]] std::expected<journal_contents, std::string> read_journal(const std::string& path);

/// What `report --from-journal` rebuilds from: like read_journal, but a
/// corrupt record followed by good ones ends the reading there (the good
/// prefix, `damage` saying where) instead of failing.
[[nodiscard]] std::expected<journal_contents, std::string> read_journal_prefix(const std::string& path,
                                                                               std::string& damage);

}  // namespace fleetmend
