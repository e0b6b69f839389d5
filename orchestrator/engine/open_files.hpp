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

/// min(requested, hosts_within(open_files_limit(), descriptors_open())), at least 1.
[[nodiscard]] unsigned hosts_in_flight(unsigned requested) noexcept;

/// "" when `requested` fits; otherwise what the limit holds and how to raise
/// it, e.g. "--concurrency 5000 needs about 20064 open files; the limit is
/// 20000 (ulimit -n) and 12 are open, so at most 4981 hosts run at once:
/// raise the hard limit (ulimit -Hn, or LimitNOFILE= for a service) for more".
[[nodiscard]] std::string concurrency_note(unsigned requested);

}  // namespace fleetmend
