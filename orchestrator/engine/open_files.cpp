#include "orchestrator/engine/open_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include <sys/resource.h>

namespace fleetmend {

unsigned hosts_within(std::uint64_t open_files_limit, std::uint64_t already_open) noexcept {
    const std::uint64_t kept = descriptors_reserved + already_open;
    if (open_files_limit <= kept + descriptors_per_host) return 1;
    const std::uint64_t hosts = (open_files_limit - kept) / descriptors_per_host;
    return static_cast<unsigned>(std::min<std::uint64_t>(hosts, 1'000'000'000));
}

std::uint64_t descriptors_open() noexcept {
    std::error_code ec;
    std::uint64_t count = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++count;
    // The iterator's own descriptor is one of them while it counts.
    return count > 0 ? count - 1 : 0;
}

std::uint64_t raise_open_files_limit() noexcept {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
    }
    return limit.rlim_cur;
}

std::uint64_t open_files_limit() noexcept {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
}

in_flight_capacity measure_in_flight(unsigned requested) noexcept {
    in_flight_capacity capacity{.requested = std::max(1u, requested), .fits = std::max(1u, requested),
                                .limit = open_files_limit(), .open = descriptors_open()};
    // An unknown limit (getrlimit failed) clamps nothing: the run says so
    // with its own errors rather than guessing a number here.
    if (capacity.limit != 0)
        capacity.fits = std::min(capacity.requested, hosts_within(capacity.limit, capacity.open));
    return capacity;
}

std::string in_flight_capacity::note() const {
    if (!capped()) return "";
    const std::uint64_t needed = std::uint64_t{requested} * descriptors_per_host + descriptors_reserved + open;
    return fmt::format("--concurrency {} needs about {} open files; the limit is {} (ulimit -n) and {} are open, so at "
                       "most {} hosts run at once: raise the hard limit (ulimit -Hn, or LimitNOFILE= for a service) "
                       "for more",
                       requested, needed, limit, open, fits);
}

unsigned hosts_in_flight(unsigned requested) noexcept { return measure_in_flight(requested).fits; }

std::string concurrency_note(unsigned requested) { return measure_in_flight(requested).note(); }

}  // namespace fleetmend
