#include "orchestrator/engine/rollout_plan.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <random>

namespace fleetmend {
namespace {

std::size_t entry_size(const batch_size& entry, std::size_t host_count) {
    if (!entry.percent) return entry.value;
    const std::size_t share = host_count * entry.value / 100;  // rounds down
    return std::max<std::size_t>(share, 1);
}

// std::uniform_int_distribution differs between standard libraries; a replayed
// shuffle must not, so draw bounded numbers by rejection from mt19937_64,
// whose output the standard fixes.
std::uint64_t bounded(std::mt19937_64& engine, std::uint64_t bound) {
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % bound;
    std::uint64_t draw = engine();
    while (draw >= limit) draw = engine();
    return draw % bound;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::vector<std::size_t> plan_batch_sizes(std::size_t host_count,
                                          const std::vector<batch_size>& batches) {
    std::vector<std::size_t> sizes;
    if (host_count == 0) return sizes;
    std::size_t remaining = host_count;
    std::size_t index = 0;
    while (remaining > 0) {
        const batch_size& entry = batches.empty() ? batch_size{false, 0}
                                                  : batches[std::min(index, batches.size() - 1)];
        std::size_t size = entry_size(entry, host_count);
        // 0 means "everything that is left": {0} is one batch of all hosts.
        if (size == 0 || size > remaining) size = remaining;
        sizes.push_back(size);
        remaining -= size;
        ++index;
    }
    return sizes;
}

std::vector<std::size_t> order_hosts(const std::vector<std::string>& names, host_order order,
                                     std::uint64_t seed) {
    std::vector<std::size_t> indices(names.size());
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    switch (order) {
        case host_order::inventory:
            break;
        case host_order::sorted:
            std::stable_sort(indices.begin(), indices.end(),
                             [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
            break;
        case host_order::shuffle: {
            std::mt19937_64 engine(seed);
            for (std::size_t i = indices.size(); i > 1; --i) {
                const auto j = static_cast<std::size_t>(bounded(engine, i));
                std::swap(indices[i - 1], indices[j]);
            }
            break;
        }
    }
    return indices;
}

rollout_plan plan_rollout(const std::vector<std::string>& names, const rollout_settings& settings,
                          std::uint64_t seed) {
    rollout_plan plan;
    plan.seed = seed;
    const auto ordered = order_hosts(names, settings.order, seed);
    std::size_t next = 0;
    for (const std::size_t size : plan_batch_sizes(names.size(), settings.batches)) {
        plan.batches.emplace_back(ordered.begin() + static_cast<std::ptrdiff_t>(next),
                                  ordered.begin() + static_cast<std::ptrdiff_t>(next + size));
        next += size;
    }
    return plan;
}

bool exceeds_fail_threshold(std::size_t failures, std::size_t batch_hosts,
                            double max_fail_percentage) noexcept {
    if (batch_hosts == 0 || failures == 0) return false;
    const double percent = static_cast<double>(failures) * 100.0 / static_cast<double>(batch_hosts);
    return percent > max_fail_percentage;
}

std::expected<std::vector<batch_size>, std::string> parse_batches_flag(const std::string& text) {
    std::vector<batch_size> result;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        std::string item = trim(std::string_view(text).substr(start, comma - start));
        start = comma + 1;
        batch_size entry;
        if (!item.empty() && item.back() == '%') {
            entry.percent = true;
            item.pop_back();
        }
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (item.empty() || ec != std::errc{} || end != item.data() + item.size())
            return std::unexpected("--batches: '" + item + (entry.percent ? "%" : "") +
                                   "' is not a host count or a percentage; write e.g. 1,10%,100%");
        if (entry.percent && (value == 0 || value > 100))
            return std::unexpected("--batches: a percentage must be between 1% and 100%");
        // As in the playbook's `batches`: a batch of 0 hosts would drop the canary.
        if (!entry.percent && value == 0)
            return std::unexpected("--batches: a host count must be at least 1 (for every host at once write 100%)");
        entry.value = value;
        result.push_back(entry);
        if (comma == text.size()) break;
    }
    return result;
}

std::string describe_batches(const std::vector<batch_size>& batches) {
    std::string text;
    for (const auto& entry : batches) {
        if (!text.empty()) text += ", ";
        if (!entry.percent && entry.value == 0) {
            text += "all";
            continue;
        }
        text += std::to_string(entry.value);
        if (entry.percent) text += '%';
    }
    return text;
}

}  // namespace fleetmend
