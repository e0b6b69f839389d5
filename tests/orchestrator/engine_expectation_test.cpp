// What a step's `expect` accepts: the rules admins write playbooks against.
#include "orchestrator/engine/step_runner.hpp"

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
    CHECK(expectation_miss(any, exited(1, "nothing")) == "stdout does not match 'Type\\s*:'");
}

TEST_CASE("expect: a pattern without exit decides alone; an explicit exit is checked too", "[engine][unit]") {
    expectation out;
    out.stdout_match = regex("Ok\\.");
    CHECK(expectation_miss(out, exited(3, "Ok.")).empty());
    out.exit_code = 0;
    CHECK_FALSE(expectation_miss(out, exited(3, "Ok.")).empty());
    CHECK(expectation_miss(out, exited(0, "Ok.")).empty());
}
