#pragma once
/// A test that cannot run where it is started (not root, a tool missing) ends
/// its process with skip_exit_status, which every ctest test takes as its
/// SKIP_RETURN_CODE (tests/CMakeLists.txt): ctest then reports it skipped,
/// never passed, and CI (.ci/run) fails when any test was skipped. ctest runs
/// one test case per process, so ending the process ends only that test; call
/// it before the test makes anything that would need cleaning up.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace fleetmend::test {

inline constexpr int skip_exit_status = 77;

[[noreturn]] inline void skip_test(const std::string& reason) {
    std::fprintf(stdout, "SKIPPED: %s\n", reason.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(skip_exit_status);
}

/// Skips unless the process runs as root; `needs` says what for.
inline void skip_unless_root(const std::string& needs) {
    if (::geteuid() != 0) skip_test("needs root (" + needs + "); run ctest as root to include it");
}

/// Skips unless `path` is an executable; `package` is the Debian package that has it.
inline void skip_unless_executable(const std::string& path, const std::string& package) {
    if (::access(path.c_str(), X_OK) != 0)
        skip_test(path + " is missing; install Debian's " + package + " package (.ci/setup does)");
}

/// Skips unless `path` exists (a library to preload, say); `package` is the
/// Debian package that has it.
inline void skip_unless_file(const std::string& path, const std::string& package) {
    if (::access(path.c_str(), F_OK) != 0)
        skip_test(path + " is missing; install Debian's " + package + " package (.ci/setup does)");
}

}  // namespace fleetmend::test
