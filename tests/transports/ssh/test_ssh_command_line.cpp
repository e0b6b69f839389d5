// Pure parts of the SSH transport: what goes into the exec request.
#include "transports/ssh/ssh_command_line.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::ssh_detail;

TEST_CASE("cmd and sh commands go to the server unchanged", "[ssh][unit]") {
    const std::string command = "netsh interface teredo set state type=disabled & echo \"%PATH%\"";
    CHECK(build_exec_line(command, shell_kind::cmd) == command);
    CHECK(build_exec_line("echo $HOME | tr a b", shell_kind::sh) == "echo $HOME | tr a b");
}

TEST_CASE("powershell scripts travel as -EncodedCommand of UTF-16LE with progress silenced",
          "[ssh][unit]") {
    // Expected value computed independently (Python: base64(utf-16-le)).
    CHECK(build_exec_line("Write-Output 'h\xC3\xA9llo \xE2\x82\xAC'", shell_kind::powershell) ==
          "powershell -NoProfile -NonInteractive -EncodedCommand "
          "JABQAHIAbwBnAHIAZQBzAHMAUAByAGUAZgBlAHIAZQBuAGMAZQA9ACcAUwBpAGwAZQBuAHQAbAB5AEMAbwBuAHQAaQBuAHUAZQAnADsAIABXAHIAaQB0AGUALQBPAHUAdABwAHUAdAAgACcAaADpAGwAbABvACAArCAnAA==");
}

TEST_CASE("UTF-8 to UTF-16LE handles astral code points and bad bytes", "[ssh][unit]") {
    CHECK(base64_encode(utf8_to_utf16le("a\xF0\x9F\x98\x80")) == "YQA92ADe");  // surrogate pair
    CHECK(utf8_to_utf16le("\xFF") == std::string("\xFD\xFF", 2));               // U+FFFD
    CHECK(utf8_to_utf16le("\xC0\xAF") == std::string("\xFD\xFF", 2));           // overlong '/'
}

TEST_CASE("base64 pads like RFC 4648", "[ssh][unit]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
}
