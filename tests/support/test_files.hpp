#pragma once
/// Reading a file whole, as every suite does to check what a run wrote.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fleetmend::test {

/// The file's bytes; empty when it does not exist or cannot be read (the
/// test then fails on what it expected to find in it).
inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace fleetmend::test
