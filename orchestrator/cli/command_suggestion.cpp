#include "orchestrator/cli/command_suggestion.hpp"

#include "orchestrator/config/closest_name.hpp"

#include <algorithm>

namespace fleetmend::cli {

std::string suggest_command(std::string_view word, const std::vector<std::string>& commands) {
    if (auto near = closest_name(word, commands); !near.empty()) return near;
    // Swapped letters are the commonest typo of a short word, and the edit
    // distance counts a swap as two edits.
    std::string letters(word);
    std::ranges::sort(letters);
    for (const auto& command : commands) {
        std::string theirs = command;
        std::ranges::sort(theirs);
        if (theirs == letters) return command;
    }
    return {};
}

}  // namespace fleetmend::cli
