#include "transports/winrm/powershell_command.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend::winrm;

TEST_CASE("PowerShell scripts go as -EncodedCommand UTF-16LE with progress silenced", "[winrm][unit]") {
    auto line = powershell_command_line("Get-NetTeredoConfiguration | Select Type");
    REQUIRE(line);
    CHECK(line->command == "powershell");
    REQUIRE(line->arguments.size() == 1);
    const std::string prefix = "-NoProfile -NonInteractive -EncodedCommand ";
    REQUIRE(line->arguments[0].starts_with(prefix));
    auto decoded = base64_decode(line->arguments[0].substr(prefix.size()));
    REQUIRE(decoded);
    CHECK(*decoded == utf8_to_utf16le("$ProgressPreference='SilentlyContinue';Get-NetTeredoConfiguration | Select Type"));
}

TEST_CASE("UTF-8 becomes UTF-16LE, including astral characters", "[winrm][unit]") {
    CHECK(utf8_to_utf16le("A") == std::string("A\0", 2));
    CHECK(utf8_to_utf16le("\xc3\xa9") == std::string("\xe9\x00", 2));              // é
    CHECK(utf8_to_utf16le("\xf0\x9f\x98\x80") == std::string("\x3d\xd8\x00\xde", 4));  // U+1F600
    CHECK(utf8_to_utf16le("\xff") == std::string("\xfd\xff", 2));                  // invalid -> U+FFFD
}

TEST_CASE("Command lines cmd.exe would truncate are refused, not sent", "[winrm][unit]") {
    CHECK(cmd_command_line(std::string(8191, 'x')));
    auto too_long = cmd_command_line(std::string(8192, 'x'));
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error().find("8191") != std::string::npos);
    auto long_script = powershell_command_line(std::string(4000, 'x'));
    REQUIRE_FALSE(long_script);
    CHECK(long_script.error().find("8191") != std::string::npos);
    CHECK(powershell_command_line(std::string(2500, 'x')));
}

TEST_CASE("CLIXML stderr becomes the error text a user reads", "[winrm][unit]") {
    const std::string clixml =
        "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
        "<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N=\"SourceId\">1</I64></MS></Obj>"
        "<S S=\"Error\">Set-NetTeredoConfiguration : Access is denied._x000D__x000A_</S>"
        "<S S=\"Error\">At line:1 char:1_x000D__x000A_</S>"
        "<S S=\"Warning\">ignored</S></Objs>";
    CHECK(decode_clixml_stderr(clixml) == "Set-NetTeredoConfiguration : Access is denied.\nAt line:1 char:1\n");
    CHECK(decode_clixml_stderr("plain error\r\n") == "plain error\r\n");
    CHECK(decode_clixml_stderr("#< CLIXML\r\n<Objs><S S=\"Error\">broken") == "#< CLIXML\r\n<Objs><S S=\"Error\">broken");
    CHECK(decode_clixml_stderr("#< CLIXML\r\n<Objs><S S=\"Error\">a_x005F_b_x000A_</S></Objs>#< CLIXML\r\n<Objs><S S=\"Error\">c</S></Objs>") ==
          "a_b\nc");
}

TEST_CASE("A script too long for a command line goes as a short bootstrap plus the script on stdin", "[winrm][unit]") {
    const std::string short_script = "Get-NetTeredoConfiguration";
    auto inline_plan = plan_powershell(short_script);
    CHECK(inline_plan.input.empty());
    CHECK(inline_plan.line.length() <= max_command_line);

    const std::string long_script(12 * 1024, 'x');
    auto streamed = plan_powershell(long_script);
    CHECK(streamed.input == long_script);
    CHECK(streamed.line.length() <= max_command_line);
    const std::string prefix = "-NoProfile -NonInteractive -EncodedCommand ";
    auto decoded = base64_decode(streamed.line.arguments.at(0).substr(prefix.size()));
    REQUIRE(decoded);
    CHECK(*decoded == utf8_to_utf16le("$ProgressPreference='SilentlyContinue';" + std::string(powershell_stdin_bootstrap)));
}

TEST_CASE("A cmd line over 8191 characters is never sent as a command line: it goes as a batch on stdin", "[winrm][unit]") {
    auto fits = plan_cmd(std::string(8191, 'x'));
    CHECK(fits.input.empty());
    CHECK(fits.line.command == std::string(8191, 'x'));
    auto batch = plan_cmd(std::string(8192, 'x'));
    CHECK(batch.input == std::string(8192, 'x'));
    CHECK(batch.line.command == "powershell");
    CHECK(batch.line.length() <= max_command_line);
}
