#pragma once
/// One owner per machine: a run, rollback or resume that changes hosts holds
/// a lock per machine it targets (its address and port, as the inventory
/// resolves them) for as long as it runs, whatever inventory, --limit or
/// report folder it came from; an overlapping one is refused with the
/// holder named. Open-file-description locks (fcntl F_OFD_SETLK) on one byte
/// per machine of one shared file, so 10,000 hosts cost one descriptor, a
/// second run in the same process conflicts too, and the kernel releases
/// them when the process dies (no stale lock after kill -9). Who holds what
/// is in "<lock folder>/holders/<pid>-<run id>", itself locked while its run lives.
#include <expected>
#include <string>
#include <vector>

namespace fleetmend {

/// "address:port" with IP literals in canonical form and names lowercased
/// without a trailing dot, so "WIN01.lab.", "win01.lab" and the same port agree.
[[nodiscard]] std::string machine_key(const std::string& address, unsigned port);

class machine_locks {
public:
    /// Takes every machine's lock without waiting; the error names the first
    /// machine another run holds, that run (pid, run id, report folder) and
    /// what to do. `machines` are machine_key()s; `holder` describes this run.
    [[nodiscard]] static std::expected<machine_locks, std::string> acquire(const std::vector<std::string>& machines,
                                                                           const std::string& run_id,
                                                                           const std::string& holder);
    machine_locks(machine_locks&& other) noexcept;
    machine_locks& operator=(machine_locks&& other) noexcept;
    machine_locks(const machine_locks&) = delete;
    machine_locks& operator=(const machine_locks&) = delete;
    ~machine_locks();

private:
    machine_locks(int locks_fd, int holder_fd, std::string holder_path)
        : locks_fd_(locks_fd), holder_fd_(holder_fd), holder_path_(std::move(holder_path)) {}
    void release() noexcept;

    int locks_fd_ = -1;
    int holder_fd_ = -1;
    std::string holder_path_;
};

/// The folder of the per-user locks: "$XDG_RUNTIME_DIR/fleetmend-locks",
/// else "/tmp/fleetmend-<uid>-locks"; created 0700 and checked to be ours.
[[nodiscard]] std::expected<std::string, std::string> user_lock_folder();

}  // namespace fleetmend
