#pragma once
/// The rollout planner: which hosts run in which batch, and when a batch has
/// failed too much. Pure: it takes data and returns data, no I/O, no clocks.
#include "orchestrator/config/playbook.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace fleetmend {

/// Batch sizes for `host_count` targeted hosts. A count is taken as is, a
/// percentage of host_count rounds down with a minimum of 1; the last entry
/// repeats until every host has a batch; a single entry 0 means one batch of
/// all hosts. The sizes always sum to host_count (the last batch is cut short).
[[nodiscard]] std::vector<std::size_t> plan_batch_sizes(std::size_t host_count,
                                                        const std::vector<batch_size>& batches);

/// The order hosts are taken in: inventory order, sorted by name, or a
/// shuffle that the seed reproduces exactly on every platform (the seed goes
/// into the report so a run can be replayed). Returns indices into `names`.
[[nodiscard]] std::vector<std::size_t> order_hosts(const std::vector<std::string>& names,
                                                   host_order order, std::uint64_t seed);

/// Hosts per batch, as indices into `names`.
struct rollout_plan {
    std::vector<std::vector<std::size_t>> batches;
    std::uint64_t seed = 0;  // used when the order is shuffle
};

[[nodiscard]] rollout_plan plan_rollout(const std::vector<std::string>& names,
                                        const rollout_settings& settings, std::uint64_t seed);

/// True when a batch failed more than it may: failures / batch_hosts * 100 >
/// max_fail_percentage. With 0 one failure trips it; with 100 nothing does.
[[nodiscard]] bool exceeds_fail_threshold(std::size_t failures, std::size_t batch_hosts,
                                          double max_fail_percentage) noexcept;

/// Parses the `--batches` flag: "1,10%,100%" (counts and percentages).
[[nodiscard]] std::expected<std::vector<batch_size>, std::string> parse_batches_flag(
    const std::string& text);

/// "1, 10%, 100%": how a batches list reads in prompts and messages.
[[nodiscard]] std::string describe_batches(const std::vector<batch_size>& batches);

}  // namespace fleetmend
