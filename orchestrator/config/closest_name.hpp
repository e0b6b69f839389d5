#pragma once
/// "Did you mean ...?" for misspelt keys, choices and host patterns.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

/// The candidate nearest to `word` by edit distance, if it is near enough to
/// be a likely typo (at most a third of the word's length, at least 1); empty otherwise.
[[nodiscard]] std::string closest_name(std::string_view word, std::span<const std::string_view> candidates);
[[nodiscard]] std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace fleetmend
