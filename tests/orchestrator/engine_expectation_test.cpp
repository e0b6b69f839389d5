// What a step's `expect` accepts: the rules admins write playbooks against.
#include "orchestrator/engine/step_runner.hpp"
#include "orchestrator/engine/expectation_evidence.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

namespace {
exec_result exited(int code, std::string out = {}) {
    exec_result r;
    r.exit_code = code;
    r.stdout_text = std::move(out);
    return r;
}
pattern regex(const std::string& text) { return pattern{text, boost::regex(text)}; }
}  // namespace

TEST_CASE("expect: no expectation wants exit 0", "[engine][unit]") {
    const expectation none;
    CHECK(expectation_miss(none, exited(0)).empty());
    CHECK_FALSE(expectation_miss(none, exited(1)).empty());
}

TEST_CASE("expect: exit = \"any\" accepts every exit code, with or without a pattern", "[engine][unit]") {
    expectation any;
    any.any_exit = true;
    CHECK(expectation_miss(any, exited(0)).empty());
    CHECK(expectation_miss(any, exited(1)).empty());  // reg query exits 1 when the value is absent
    CHECK(expectation_miss(any, exited(-1)).empty());

    any.stdout_match = regex("Type\\s*:");
    CHECK(expectation_miss(any, exited(1, "Type : client")).empty());
    CHECK(expectation_miss(any, exited(1, "nothing")) ==
          "stdout does not match 'Type\\s*:'; the line meant to match reads 'nothing'");
    CHECK(expectation_miss(any, exited(1, "")) == "stdout does not match 'Type\\s*:'; stdout was empty");
}

TEST_CASE("expect: a pattern without exit decides alone, an explicit exit is checked too", "[engine][unit]") {
    expectation out;
    out.stdout_match = regex("Ok\\.");
    CHECK(expectation_miss(out, exited(3, "Ok.")).empty());
    out.exit_code = 0;
    CHECK_FALSE(expectation_miss(out, exited(3, "Ok.")).empty());
    CHECK(expectation_miss(out, exited(0, "Ok.")).empty());
}

TEST_CASE("expect: a pattern miss names the line that was meant to match, not the regex alone", "[engine][unit]") {
    expectation verify;
    verify.stdout_match = regex("Type\\s*:\\s*disabled");
    const std::string netsh = "Teredo Parameters\r\n---------------------------------------------\r\n"
                              "Type                    : client\r\nServer Name             : teredo.ipv6.microsoft.com\r\n";
    const auto miss = expectation_miss(verify, exited(0, netsh));
    CHECK(miss == "stdout does not match 'Type\\s*:\\s*disabled'; the line meant to match reads "
                  "'Type                    : client'");
}

TEST_CASE("line_meant_to_match: the longest matching prefix picks the line, else the last line", "[engine][unit]") {
    CHECK(line_meant_to_match("State : offline\nType : default\n", "Type\\s*:\\s*disabled") == "Type : default");
    CHECK(line_meant_to_match("alpha\nbeta\n\n", "zzzz(") == "beta");  // nothing matches: the last line
    CHECK(line_meant_to_match("", "Type") == "");
    CHECK(line_meant_to_match(std::string(500, 'x'), "Type").size() == 203);  // bounded, "..." marked
}

TEST_CASE("expect: an exit code miss carries the last line that explains it", "[engine][unit]") {
    expectation none;
    auto refused = exited(1, "The requested operation requires elevation (Run as administrator).\r\n\r\n");
    CHECK(expectation_miss(none, refused) ==
          "exit code 1, expected 0; stdout: 'The requested operation requires elevation (Run as administrator).'");
    refused.stderr_text = "Access is denied.\r\n";
    CHECK(expectation_miss(none, refused) == "exit code 1, expected 0; stderr: 'Access is denied.'");
    CHECK(expectation_miss(none, exited(1)) == "exit code 1, expected 0");
}
