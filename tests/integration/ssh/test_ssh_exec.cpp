// `fleetmend exec` over SSH: the real binary against a real sshd serving
// simulated hosts (stand-in netsh): answers grouped by what the hosts said,
// the exit status of a run, and a report with --report-dir.
#include "tests/integration/support/fleetmend_process.hpp"
#include "tests/integration/support/sshd_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string inventory_text(const sshd_fixture& sshd) {
    std::string text = "[defaults]\ntransport = \"ssh\"\nuser = \"" + sshd.key_user() +
                       "\"\nconnect_timeout = \"5s\"\ncommand_timeout = \"30s\"\n\n[defaults.ssh]\nidentity_file = \"" +
                       sshd.user_key().string() + "\"\nknown_hosts = \"" + sshd.known_hosts().string() +
                       "\"\nhost_key_policy = \"strict\"\n\n";
    for (std::size_t i = 0; i < sshd.addresses().size(); ++i)
        text += "[hosts.\"lnx" + std::to_string(i + 1) + "\"]\naddress = \"" + sshd.addresses()[i] +
                "\"\nport = " + std::to_string(sshd.port()) + "\n\n";
    return text;
}

std::string describe(const fleetmend_run& run) {
    return "exit " + std::to_string(run.exit_code) + " after " + std::to_string(run.took.count()) +
           " ms; output:\n" + run.output;
}

}  // namespace

TEST_CASE("exec over SSH groups identical answers and exits as run would", "[integration][ssh][exec]") {
    sshd_fixture sshd({.hosts = 4, .first_host = 101});
    sshd.set_teredo_type(sshd.addresses()[0], "client");
    sshd.set_teredo_type(sshd.addresses()[1], "disabled");
    sshd.set_teredo_type(sshd.addresses()[2], "client");
    sshd.set_teredo_type(sshd.addresses()[3], "disabled");
    const fs::path inv = sshd.dir() / "inventory.toml";
    std::ofstream(inv) << inventory_text(sshd);

    // No "--" here: run_fleetmend appends --report-dir, which must stay an option.
    const auto show = run_fleetmend({"exec", "-i", inv.string(), "--limit", "all", "netsh", "interface", "teredo",
                                     "show", "state"},
                                    sshd.dir() / "show", 120s);
    INFO(describe(show));
    CHECK(show.exit_code == 0);
    CHECK_THAT(show.output, Catch::Contains("---- 2 hosts, exit 0: lnx1, lnx3"));
    CHECK_THAT(show.output, Catch::Contains("---- 2 hosts, exit 0: lnx2, lnx4"));
    CHECK_THAT(show.output, Catch::Contains("not recorded for rollback"));
    REQUIRE(show.report.is_object());
    CHECK(show.report["summary"]["changed"] == 4);
    CHECK(sshd.teredo_type(sshd.addresses()[0]) == "client");  // a show changes nothing

    const auto failing = run_fleetmend({"exec", "-i", inv.string(), "--limit", "lnx1,lnx2", "exit 3"},
                                       sshd.dir() / "fail", 120s);
    INFO(describe(failing));
    CHECK(failing.exit_code == 2);
    CHECK_THAT(failing.output, Catch::Contains("---- 2 hosts, exit 3: lnx1, lnx2"));
}
