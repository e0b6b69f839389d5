// A --concurrency past what the open-files limit holds: fleetmend caps the
// hosts in flight, says so, and every host still changes (instead of the
// hosts past the limit failing with "Too many open files").
#include "rollout_support.hpp"
#include "tests/integration/support/child_process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>

using namespace fleetmend::test;

TEST_CASE("a concurrency the open-files limit cannot hold is capped and said, and every host changes",
          "[rollout][open-files][integration]") {
    // 60 hosts in flight would need about 300 descriptors; the limit is 200
    // (soft and hard, so fleetmend cannot raise it). fleetmend also inherits
    // what this test process has open (the lab's sockets, as a shell would
    // pass its own): those count against the limit too.
    rollout_lab lab("open-files", {.hosts = 60, .octet = 90, .types = "[types]\nclient = 1\n"});
    const auto out_dir = lab.dir() / "capped";
    std::filesystem::create_directories(out_dir);
    const auto log = out_dir / "fleetmend.out";
    const std::string command = "prlimit --nofile=200:200 " + std::string(FLEETMEND_BINARY) + " run -i " +
                                lab.inventory() + " " + std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml" +
                                " --yes --batches 100% --concurrency 1000 --report-dir " + out_dir.string() + " >" +
                                log.string() + " 2>&1 </dev/null";
    const int raw = std::system(command.c_str());
    const std::string output = read_text(log);
    INFO(output);
    REQUIRE(WIFEXITED(raw));
    CHECK(WEXITSTATUS(raw) == 0);
    CHECK_THAT(output, Catch::Contains("--concurrency 1000 needs about"));
    CHECK(output.find("needs about") == output.rfind("needs about"));  // said once
    CHECK_THAT(output, Catch::Contains("open files; the limit is 200 (ulimit -n) and"));
    CHECK(std::regex_search(output, std::regex("so at most [1-9][0-9]* hosts run at once")));
    CHECK_THAT(output, !Catch::Contains("Too many open files"));
    for (const auto& host : lab.hosts()) CHECK(lab.type_now(host) == "disabled");
}
