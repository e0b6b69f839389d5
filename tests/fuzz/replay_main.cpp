// Replays fuzz inputs through the harnesses without libFuzzer, so the normal
// (gcc) and sanitizer builds check every seed and every saved crash:
//   fuzz_replay <target> DIR_OR_FILE...
// Exit status 0 when every input ran; a crashing input ends the process the
// way it crashed (abort, sanitizer report), after naming the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#define FLEETMEND_FUZZ_TARGET(name) extern "C" int name##_one_input(const std::uint8_t* data, std::size_t size);
#include "fuzz_targets.inc"
#undef FLEETMEND_FUZZ_TARGET

namespace {

using entry_point = int (*)(const std::uint8_t*, std::size_t);

struct harness {
    std::string_view name;
    entry_point run;
};

#define FLEETMEND_FUZZ_TARGET(name) harness{#name, &name##_one_input},
constexpr harness harnesses[] = {
#include "fuzz_targets.inc"
};
#undef FLEETMEND_FUZZ_TARGET

std::vector<std::filesystem::path> inputs_under(const std::filesystem::path& where) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_regular_file(where, ec)) return {where};
    if (!std::filesystem::is_directory(where, ec)) return {};  // a target may have no regressions yet
    for (const auto& entry : std::filesystem::recursive_directory_iterator(where, ec))
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with("."))
            files.push_back(entry.path());
    std::ranges::sort(files);
    return files;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: fuzz_replay TARGET DIR_OR_FILE...\n");
        return 2;
    }
    const std::string_view wanted = argv[1];
    const auto* found = std::ranges::find(harnesses, wanted, &harness::name);
    if (found == std::end(harnesses)) {
        std::fprintf(stderr, "fuzz_replay: no harness named %s\n", argv[1]);
        return 2;
    }
    std::size_t count = 0;
    for (int a = 2; a < argc; ++a) {
        for (const auto& file : inputs_under(argv[a])) {
            std::ifstream in(file, std::ios::binary);
            const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            // Named before running, so a crash log says which input it was.
            std::fprintf(stderr, "running %s\n", file.c_str());
            found->run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            ++count;
        }
    }
    std::printf("fuzz_replay %s: %zu inputs, no crash\n", argv[1], count);
    return 0;
}
