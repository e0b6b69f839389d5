#include "orchestrator/engine/operator_prompt.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace fleetmend {

bool stdin_is_terminal() noexcept { return ::isatty(STDIN_FILENO) == 1; }
bool is_terminal(int stream_fd) noexcept { return ::isatty(stream_fd) == 1; }

bool ask_yes_no(const std::string& question) {
    std::fprintf(stderr, "%s [y/N] ", question.c_str());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    answer.erase(std::remove_if(answer.begin(), answer.end(), [](unsigned char c) { return std::isspace(c); }),
                 answer.end());
    std::transform(answer.begin(), answer.end(), answer.begin(), [](unsigned char c) { return std::tolower(c); });
    return answer == "y" || answer == "yes";
}

}  // namespace fleetmend
