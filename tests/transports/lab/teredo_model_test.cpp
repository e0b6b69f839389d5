#include "transports/lab/base64_text.hpp"
#include "transports/lab/teredo_model.hpp"
#include "transports/lab/windows_shell.hpp"
#include "transports/winrm/powershell_command.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend::lab;

namespace {
const host_identity who{"WIN0001", "lab\\administrator"};

std::string utf16le(std::string_view ascii) {
    std::string out;
    for (char c : ascii) {
        out += c;
        out += '\0';
    }
    return out;
}
}  // namespace

TEST_CASE("a disabled host prints Windows' exact netsh block", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::disabled;
    const auto out = run_windows_command(host, who, "netsh interface teredo show state");
    CHECK(out.exit_code == 0);
    CHECK(out.stdout_text ==
          "Teredo Parameters\r\n"
          "---------------------------------------------\r\n"
          "Type                    : disabled\r\n"
          "Server Name             : teredo.ipv6.microsoft.com.\r\n"
          "Client Refresh Interval : 30 seconds\r\n"
          "Client Port             : unspecified\r\n"
          "State                   : offline\r\n"
          "Error                   : none\r\n");
}

TEST_CASE("a qualified client prints the extra client lines", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::client;
    const auto out = netsh_show_state(host).stdout_text;
    CHECK(out.find("Type                    : client\r\n") != std::string::npos);
    CHECK(out.find("State                   : qualified\r\n") != std::string::npos);
    CHECK(out.find("Client Type             : teredo client\r\n") != std::string::npos);
    CHECK(out.find("External NAT Mapping    : ") != std::string::npos);
    CHECK(out.find("Error") == std::string::npos);
}

TEST_CASE("set state disables, by keyword or positionally, and says Ok.", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::enterpriseclient;
    auto out = run_windows_command(host, who, "netsh interface teredo set state type=disabled");
    CHECK(out.stdout_text == "Ok.\r\n\r\n");
    CHECK(out.exit_code == 0);
    CHECK(host.effective_type() == teredo_type::disabled);
    out = run_windows_command(host, who, "netsh int teredo set state enterpriseclient");
    CHECK(out.exit_code == 0);
    CHECK(host.effective_type() == teredo_type::enterpriseclient);
    CHECK(host.applies == 2);
}

TEST_CASE("set state without elevation fails like Windows and changes nothing", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::client;
    host.elevated = false;
    const auto out = run_windows_command(host, who, "netsh interface teredo set state type=disabled");
    CHECK(out.exit_code == 1);
    CHECK(out.stdout_text == "The requested operation requires elevation (Run as administrator).\r\n\r\n");
    CHECK(host.effective_type() == teredo_type::client);
    CHECK(host.applies == 0);
}

TEST_CASE("the word enabled is not a Teredo type", "[lab][unit]") {
    teredo_host host;
    const auto out = run_windows_command(host, who, "netsh interface teredo set state type=enabled");
    CHECK(out.exit_code == 1);
    CHECK(out.stdout_text.starts_with("The syntax supplied for this command is not valid."));
    CHECK(host.applies == 0);
}

TEST_CASE("Group Policy shows its suffix and beats a local change", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::client;
    host.policy_type = teredo_type::enterpriseclient;
    CHECK(run_windows_command(host, who, "netsh interface teredo set state disabled").exit_code == 0);
    const auto out = run_windows_command(host, who, "netsh interface teredo show state").stdout_text;
    CHECK(out.find("Type                    : enterpriseclient (Group Policy)\r\n") != std::string::npos);
}

TEST_CASE("a policy refresh re-enables Teredo after apply", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::default_type;
    host.policy_reenables = teredo_type::client;
    CHECK(run_windows_command(host, who, "netsh interface teredo set state type=disabled").exit_code == 0);
    CHECK(host.effective_type() == teredo_type::client);
    CHECK(netsh_show_state(host).stdout_text.find("client (Group Policy)") != std::string::npos);
}

TEST_CASE("reg query shows the policy value or Windows' not-found error", "[lab][unit]") {
    teredo_host host;
    const std::string query = "reg query HKLM\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition /v Teredo_State";
    auto out = run_windows_command(host, who, query);
    CHECK(out.exit_code == 1);
    CHECK(out.stderr_text == "ERROR: The system was unable to find the specified registry key or value.\r\n");
    host.policy_type = teredo_type::enterpriseclient;
    out = run_windows_command(host, who, query);
    CHECK(out.exit_code == 0);
    CHECK(out.stdout_text ==
          "\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\TCPIP\\v6Transition\r\n"
          "    Teredo_State    REG_SZ    Enterprise Client\r\n\r\n");
}

TEST_CASE("PowerShell -EncodedCommand runs the NetTeredo cmdlets", "[lab][unit]") {
    teredo_host host;
    host.local_type = teredo_type::client;
    const auto encoded = [](std::string_view script) {
        return "powershell -NoProfile -NonInteractive -EncodedCommand " + base64_encode(utf16le(script));
    };
    auto out = run_windows_command(host, who, encoded("$ProgressPreference='SilentlyContinue'; Get-NetTeredoConfiguration"));
    CHECK(out.exit_code == 0);
    CHECK(out.stdout_text.find("Type                   : Client\r\n") != std::string::npos);
    out = run_windows_command(host, who, encoded("Set-NetTeredoConfiguration -Type Disabled"));
    CHECK(out.exit_code == 0);
    CHECK(host.effective_type() == teredo_type::disabled);
    host.elevated = false;
    out = run_windows_command(host, who, encoded("Set-NetTeredoConfiguration -Type Client"));
    CHECK(out.exit_code == 1);
    CHECK(out.stderr_text.starts_with("#< CLIXML\r\n"));
    CHECK(out.stderr_text.find("Access denied") != std::string::npos);
    CHECK(host.effective_type() == teredo_type::disabled);
}

TEST_CASE("the lab's CLIXML errors read back through the client's decoder with their markup", "[lab][unit]") {
    teredo_host host;
    const auto encoded = [](std::string_view script) {
        return "powershell -NoProfile -NonInteractive -EncodedCommand " + base64_encode(utf16le(script));
    };
    const auto out = run_windows_command(host, who, encoded("Get-<a&b>\"q'"));
    CHECK(out.exit_code == 1);
    REQUIRE(out.stderr_text.starts_with("#< CLIXML\r\n"));
    CHECK(out.stderr_text.find("Get-&lt;a&amp;b&gt;&quot;q&apos;") != std::string::npos);
    const auto text = fleetmend::winrm::decode_clixml_stderr(out.stderr_text);
    CHECK(text.starts_with("Get-<a&b>\"q' : The term 'Get-<a&b>\"q'' is not recognized"));
    CHECK(text.ends_with("try again.\n"));  // _x000D__x000A_ read back as a line end
}

TEST_CASE("an unknown program fails as cmd.exe does", "[lab][unit]") {
    teredo_host host;
    const auto out = run_windows_command(host, who, "ipconfig6 /all");
    CHECK(out.exit_code == 1);
    CHECK(out.stderr_text.starts_with("'ipconfig6' is not recognized as an internal or external command"));
}

TEST_CASE("base64 round-trips and rejects junk", "[lab][unit]") {
    CHECK(base64_encode("Ok.\r\n") == "T2suDQo=");
    CHECK(base64_decode("T2suDQo=") == std::optional<std::string>("Ok.\r\n"));
    CHECK_FALSE(base64_decode("T2s*").has_value());
    CHECK(utf16le_to_utf8(utf16le("Get-Net")) == std::optional<std::string>("Get-Net"));
}
