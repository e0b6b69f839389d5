#pragma once
// Loaders under fuzz read paths, not bytes: each input goes to one private
// temp file that is rewritten per run (no per-run file creation, so the
// fuzzer's speed is not the file system's).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace fleetmend::fuzz {

/// Path of a file holding exactly the given bytes (same path every call).
inline const std::string& write_temp_input(const std::uint8_t* data, std::size_t size, const char* suffix) {
    // Removed when the process exits normally (the replay tests, a fuzz run
    // that ends), so the suite leaves no input file behind.
    struct removed_at_exit {
        std::string path;
        ~removed_at_exit() { ::unlink(path.c_str()); }
    };
    static const removed_at_exit file{[suffix] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir != nullptr ? dir : "/tmp") + "/fleetmend-fuzz-" + std::to_string(::getpid()) + suffix;
    }()};
    const std::string& path = file.path;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();  // a fuzz run that cannot write its input is broken, not passing
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

}  // namespace fleetmend::fuzz
