#pragma once
/// "fleetmend rnu": the command meant, for the error message.
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::cli {

/// The command nearest to `word`: by edit distance, or with the same letters
/// in another order ("rnu" -> "run"); empty when none is close.
[[nodiscard]] std::string suggest_command(std::string_view word, const std::vector<std::string>& commands);

}  // namespace fleetmend::cli
