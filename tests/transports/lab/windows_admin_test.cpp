// The lab answers the other tools of the Teredo playbooks as Windows does:
// reg add/delete of the policy value, netsh advfirewall rules, cmd's ||, &&
// and if, redirections, wevtutil's text events, ping, dir of a share and
// whoami /groups.
#include "transports/lab/teredo_model.hpp"
#include "transports/lab/windows_shell.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend::lab;

namespace {
const host_identity who{"WIN0001", "lab\\administrator"};
const std::string key = "HKLM\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition";
command_output run(teredo_host& host, const std::string& line) { return run_windows_command(host, who, line); }
}  // namespace

TEST_CASE("reg add sets the Teredo_State policy value, which wins over the local type, reg delete removes it",
          "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::client;
    CHECK(run(host, "reg query " + key + " /v Teredo_State").exit_code == 1);
    const auto added = run(host, "reg add " + key + " /v Teredo_State /t REG_SZ /d Disabled /f");
    CHECK(added.exit_code == 0);
    CHECK(added.stdout_text == "The operation completed successfully.\r\n\r\n");
    CHECK(run(host, "reg query " + key + " /v Teredo_State").stdout_text ==
          "\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition\r\n"
          "    Teredo_State    REG_SZ    Disabled\r\n\r\n");
    CHECK(host.effective_type() == teredo_type::disabled);
    CHECK_THAT(run(host, "netsh interface teredo show state").stdout_text, Catch::Contains("disabled (Group Policy)"));
    CHECK(run(host, "reg add " + key + " /v Teredo_State /t REG_SZ /d \"Enterprise Client\" /f").exit_code == 0);
    CHECK(host.effective_type() == teredo_type::enterpriseclient);
    CHECK(run(host, "reg delete " + key + " /v Teredo_State /f").exit_code == 0);
    CHECK(host.effective_type() == teredo_type::client);
    const auto again = run(host, "reg delete " + key + " /v Teredo_State /f");
    CHECK(again.exit_code == 1);
    CHECK(again.stderr_text == "ERROR: The system was unable to find the specified registry key or value.\r\n");
    host.elevated = false;
    CHECK(run(host, "reg add " + key + " /v Teredo_State /t REG_SZ /d Disabled /f").stderr_text == "ERROR: Access is denied.\r\n");
}

TEST_CASE("netsh advfirewall adds, shows and deletes a named rule", "[lab][unit]") {
    teredo_host host;
    const std::string show = "netsh advfirewall firewall show rule name=block-3544 dir=in";
    CHECK(run(host, show).stdout_text == "No rules match the specified criteria.\r\n\r\n");
    CHECK(run(host, show).exit_code == 1);
    CHECK(run(host, "netsh advfirewall firewall add rule name=block-3544 dir=in action=block protocol=UDP localport=3544")
              .stdout_text == "Ok.\r\n\r\n");
    const auto shown = run(host, show);
    CHECK(shown.exit_code == 0);
    CHECK_THAT(shown.stdout_text, Catch::Contains("Rule Name:                            block-3544\r\n"));
    CHECK_THAT(shown.stdout_text, Catch::Contains("LocalPort:                            3544\r\n"));
    CHECK_THAT(shown.stdout_text, Catch::Contains("Action:                               Block\r\n"));
    CHECK(run(host, "netsh advfirewall firewall delete rule name=block-3544 dir=in protocol=UDP localport=3544").stdout_text ==
          "\r\nDeleted 1 rule(s).\r\nOk.\r\n\r\n");
    CHECK(run(host, show).exit_code == 1);
    host.elevated = false;
    CHECK(run(host, "netsh advfirewall firewall add rule name=x dir=in action=block").exit_code == 1);
}

TEST_CASE("cmd's ||, && and if, and redirections, run as cmd.exe runs them", "[lab][unit]") {
    teredo_host host;
    const auto fallback = run(host, "reg query " + key + " /v Teredo_State 2>nul || echo Teredo_State    absent");
    CHECK(fallback.stdout_text == "Teredo_State    absent\r\n");
    CHECK(fallback.stderr_text.empty());
    CHECK(fallback.exit_code == 0);
    CHECK(run(host, "echo a && echo b").stdout_text == "a\r\nb\r\n");
    CHECK(run(host, "exit 1 && echo b").exit_code == 1);
    CHECK(run(host, "if \"absent\"==\"absent\" echo yes").stdout_text == "yes\r\n");
    CHECK(run(host, "if not \"absent\"==\"absent\" echo yes").stdout_text.empty());
    CHECK(run(host, "if not \"Enterprise Client\"==\"absent\" echo restore").stdout_text == "restore\r\n");
    const auto merged = run(host, "reg query " + key + " /v Teredo_State 2>&1");
    CHECK_THAT(merged.stdout_text, Catch::Contains("unable to find"));
}

TEST_CASE("IP Helper events, ping, dir of a share and whoami /groups", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::client;
    const std::string query =
        "wevtutil qe System \"/q:*[System[Provider[@Name='Microsoft-Windows-Iphlpsvc']]]\" /c:5 /rd:true /f:text";
    CHECK(run(host, query).stdout_text.empty());
    CHECK(run(host, "netsh interface teredo set state type=disabled").exit_code == 0);
    const auto events = run(host, query).stdout_text;
    CHECK_THAT(events, Catch::StartsWith("Event[0]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-Iphlpsvc\r\n"));
    CHECK_THAT(events, Catch::Contains("Event ID: 4201"));
    CHECK_THAT(events, Catch::Contains("Teredo interface Teredo Tunneling Pseudo-Interface is no longer active."));
    CHECK(run(host, "ping -n 2 -w 2000 192.0.2.1").exit_code == 0);
    host.needs_teredo = true;  // disabled now: the target is out of reach
    const auto lost = run(host, "ping -n 2 -w 2000 192.0.2.1");
    CHECK(lost.exit_code == 1);
    CHECK_THAT(lost.stdout_text, Catch::Contains("Request timed out."));
    CHECK(run(host, "dir \\\\files\\netlogon").stderr_text == "The network path was not found.\r\n");
    CHECK_THAT(run(host, "whoami /groups").stdout_text, Catch::Contains("S-1-16-12288"));
    host.elevated = false;
    CHECK_THAT(run(host, "whoami /groups").stdout_text, Catch::Contains("S-1-16-8192"));
}
