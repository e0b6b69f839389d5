#pragma once
// How many hosts fit in flight within this process's open-files limit.
//
// Each host in flight holds a worker thread whose transport owns an I/O
// context (an epoll and an eventfd), the host's socket, and, for a host
// behind a jump host or with a helper process, one more: four descriptors
// (measured: with the limit at 20,000, 5,000 hosts in flight failed at host
// 4,990 with "Too many open files"). A fixed reserve stays for the journal,
// the report, logs, the terminal and what libraries open.
#include <cstdint>
#include <string>

namespace fleetmend {

inline constexpr unsigned descriptors_per_host = 4;
inline constexpr unsigned descriptors_reserved = 64;

/// Hosts that fit in `open_files_limit` descriptors when `already_open` are
/// in use (at least 1).
[[nodiscard]] unsigned hosts_within(std::uint64_t open_files_limit, std::uint64_t already_open = 0) noexcept;

/// Descriptors this process has open now (those it inherited included).
[[nodiscard]] std::uint64_t descriptors_open() noexcept;

/// Raises the soft open-files limit to the hard one, the most this process
/// may open without privileges; returns the limit then in force. Called once
/// at start, before any host is reached.
std::uint64_t raise_open_files_limit() noexcept;

/// The soft open-files limit in force now.
[[nodiscard]] std::uint64_t open_files_limit() noexcept;

/// What the open-files limit holds for a requested concurrency, from one
/// reading of the limit and of the descriptors open, so that the cap applied
/// and the figures said about it always agree.
struct in_flight_capacity {
    unsigned requested = 1;
    unsigned fits = 1;         ///< min(requested, what the limit holds), at least 1
    std::uint64_t limit = 0;   ///< the soft limit; 0 when getrlimit failed (nothing is capped then)
    std::uint64_t open = 0;    ///< descriptors open when measured

    [[nodiscard]] bool capped() const noexcept { return fits < requested; }
    /// "" when `requested` fits; otherwise what the limit holds and how to
    /// raise it, e.g. "--concurrency 5000 needs about 20076 open files; the
    /// limit is 20000 (ulimit -n) and 12 are open, so at most 4981 hosts run
    /// at once: raise the hard limit (ulimit -Hn, or LimitNOFILE= for a
    /// service) for more".
    [[nodiscard]] std::string note() const;
};

/// Reads the limit and the descriptors open now.
[[nodiscard]] in_flight_capacity measure_in_flight(unsigned requested) noexcept;

/// measure_in_flight(requested).fits
[[nodiscard]] unsigned hosts_in_flight(unsigned requested) noexcept;

/// measure_in_flight(requested).note()
[[nodiscard]] std::string concurrency_note(unsigned requested);

}  // namespace fleetmend
