// Playbook loading: the shipped playbooks, defaults, rollout settings,
// cross-references, and errors with their place.
#include "config_test_support.hpp"
#include "orchestrator/config/playbook.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using namespace fleetmend;
using fleetmend::test::temp_folder;
using namespace std::chrono_literals;

namespace {

constexpr const char* header = "name = \"t\"\nplatform = \"windows\"\ntargets = \"all\"\n";

std::string load_error(const temp_folder& dir, const std::string& text) {
    auto book = load_playbook(dir.write("book.toml", text));
    REQUIRE_FALSE(book.has_value());
    return book.error().to_string();
}

}  // namespace

TEST_CASE("playbooks/teredo-disable.toml loads as the product describes it", "[config][unit]") {
    auto book = load_playbook(FLEETMEND_SOURCE_DIR "/playbooks/teredo-disable.toml");
    REQUIRE(book.has_value());
    CHECK(book->name == "teredo-disable");
    CHECK(book->platform == "windows");
    REQUIRE(book->rollout.batches.size() == 4);
    CHECK_FALSE(book->rollout.batches[0].percent);
    CHECK(book->rollout.batches[0].value == 1);
    CHECK(book->rollout.batches[1].percent);
    CHECK(book->rollout.batches[1].value == 10);
    CHECK(book->rollout.batches[3].value == 100);
    CHECK(book->rollout.concurrency == 50);
    CHECK(book->rollout.max_fail_percentage == 0);
    CHECK(book->rollout.on_failure == failure_policy::rollback_batch);

    REQUIRE(book->capture.size() >= 1);
    const auto& capture = book->capture[0];
    CHECK(capture.in_phase == phase::capture);
    CHECK(capture.id == "teredo");
    CHECK(capture.shell == shell_kind::cmd);  // windows default
    REQUIRE(capture.facts.size() == 2);
    CHECK(capture.facts[0].name == "type");  // file order, not key order
    CHECK(capture.facts[1].name == "policy");
    CHECK(book->compliant.at("teredo.type") == "disabled");

    for (const auto& c : book->capture)
        if (c.id == "policy") CHECK(c.expect.any_exit);  // reg exits 1 when no policy is set
    REQUIRE(book->apply.size() == 1);
    CHECK(book->apply[0].expect.exit_code == 0);
    const auto type_check = std::ranges::find(book->verify, std::string("teredo type is disabled"), &step::name);
    REQUIRE(type_check != book->verify.end());
    CHECK(type_check->retries == 3);
    CHECK(type_check->delay == 2s);
    REQUIRE(type_check->expect.stdout_match.has_value());
    // Real netsh output: a title, a dashed line, then Type first (read by position; labels are localized).
    const std::string head = "Teredo Parameters\r\n---------------------------------------------\r\n";
    CHECK(boost::regex_search(head + "Type                    : disabled\r\n", type_check->expect.stdout_match->compiled));
    CHECK_FALSE(boost::regex_search(head + "Type                    : client\r\n", type_check->expect.stdout_match->compiled));
    REQUIRE(book->rollback.size() == 1);
    CHECK(book->rollback[0].run == "netsh interface teredo set state type={{teredo.type}}");
    CHECK(book->safe_fact_pattern.text == "^[A-Za-z0-9_.:-]+$");
    CHECK(std::string(to_string(phase::rollback_verify)) == "rollback-verify");
}

TEST_CASE("every playbook shipped in playbooks/ loads", "[config][unit]") {
    for (const auto& entry : std::filesystem::directory_iterator(FLEETMEND_SOURCE_DIR "/playbooks")) {
        if (entry.path().extension() != ".toml") continue;
        INFO(entry.path().string());
        auto book = load_playbook(entry.path().string());
        CHECK(book.has_value());
        if (!book) FAIL_CHECK(book.error().to_string());
    }
}

TEST_CASE("rollout settings, durations, shells, probes and defaults", "[config][unit]") {
    temp_folder dir;
    auto book = load_playbook(dir.write("book.toml", R"(
name = "x"
platform = "linux"
targets = "web*,!web01"
fact_safe_pattern = '^[a-z]+$'

[rollout]
batches = [2, "25%"]
concurrency = 7
max_fail_percentage = 12.5
on_failure = "rollback-all"
order = "shuffle"
pause_between_batches = "1m30s"

[[capture]]
id = "svc"
run = "systemctl is-active foo"
expect = { exit = 3 }
facts.state = '^(\w+)'
timeout = "500ms"

[[apply]]
run = "systemctl stop foo"
shell = "powershell"
hint = "check {{vars.site}} on {{host.name}}"

[[verify]]
name = "network"
probe = "teredo"
expect = "answer"
)"));
    REQUIRE(book.has_value());
    CHECK(book->targets == "web*,!web01");
    CHECK(book->rollout.batches.size() == 2);
    CHECK(book->rollout.concurrency == 7);
    CHECK(book->rollout.max_fail_percentage == 12.5);
    CHECK(book->rollout.on_failure == failure_policy::rollback_all);
    CHECK(book->rollout.order == host_order::shuffle);
    CHECK(book->rollout.pause_between_batches == 90s);
    CHECK(book->capture[0].shell == shell_kind::sh);  // linux default
    CHECK(book->capture[0].expect.exit_code == 3);
    CHECK(book->capture[0].timeout == 500ms);
    CHECK(book->apply[0].shell == shell_kind::powershell);
    CHECK(book->apply[0].name == "systemctl stop foo");  // name defaults to the command
    CHECK_FALSE(book->apply[0].expect.exit_code.has_value());  // the engine then wants exit 0
    CHECK(book->verify[0].probe == probe_kind::teredo);
    CHECK(book->verify[0].probe_expect == probe_expectation::answer);
    CHECK(book->safe_fact_pattern.text == "^[a-z]+$");
}

TEST_CASE("a playbook without [rollout] runs everything in one batch and halts", "[config][unit]") {
    temp_folder dir;
    auto book = load_playbook(dir.write("book.toml", std::string(header) + "[[apply]]\nrun = \"x\"\n"));
    REQUIRE(book.has_value());
    REQUIRE(book->rollout.batches.size() == 1);
    CHECK(book->rollout.batches[0].value == 0);
    CHECK(book->rollout.on_failure == failure_policy::halt);
}

TEST_CASE("playbook errors carry file:line:column, the dotted key and what was expected", "[config][unit]") {
    temp_folder dir;
    const std::string file = (dir.path() / "book.toml").string();
    const std::string h = header;  // three lines

    SECTION("a bad regex is an error at its place") {
        CHECK(load_error(dir, h + "[[capture]]\nid = \"c\"\nrun = \"x\"\nfacts.v = 'Type\\s*:(\\w+'\n")
                  .starts_with(file + ":7:11: key 'capture[0].facts.v': invalid regular expression (Perl syntax): "));
        CHECK(load_error(dir, h + "[[verify]]\nrun = \"x\"\nexpect = { stdout = '[unclosed' }\n")
                  .starts_with(file + ":6:21: key 'verify[0].expect.stdout': invalid regular expression"));
    }
    SECTION("only_if_set names a variable") {
        CHECK(load_error(dir, h + "[[verify]]\nrun = \"x\"\nonly_if_set = \"{{vars.a}}\"\n") ==
              file + ":6:15: key 'verify[0].only_if_set': expected the name of a variable (\"smoke_target\" for "
                     "{{vars.smoke_target}})");
    }
    SECTION("unknown keys in steps and sections") {
        CHECK(load_error(dir, h + "[[apply]]\nrun = \"x\"\nretry = 3\n") ==
              file + ":6:1: key 'apply[0].retry': unknown key; expected one of name, run, probe, shell, expect, "
                     "timeout, retries, delay, hint, only_if_set");
        CHECK(load_error(dir, h + "[[apply]]\nrun = \"x\"\nfacts.a = 'x'\n").find("apply[0].facts': unknown key") !=
              std::string::npos);
        CHECK(load_error(dir, h + "[rollout]\nbatch = [1]\n").starts_with(file + ":5:1: key 'rollout.batch': unknown key"));
        CHECK(load_error(dir, h + "taget = \"all\"\n").starts_with(file + ":4:1: key 'taget': unknown key"));
    }
    SECTION("bad rollout values") {
        CHECK(load_error(dir, h + "[rollout]\nbatches = [1, \"150%\"]\n") ==
              file + ":5:15: key 'rollout.batches[1]': expected a host count of at least 1 or a percentage from "
                     "\"1%\" to \"100%\", got \"150%\"");
        CHECK(load_error(dir, h + "[rollout]\non_failure = \"rollback\"\n") ==
              file + ":5:14: key 'rollout.on_failure': expected one of halt, rollback-host, rollback-batch, "
                     "rollback-all, got \"rollback\"");
        CHECK(load_error(dir, h + "[rollout]\nconcurrency = 0\n").find("expected an integer from 1") != std::string::npos);
        CHECK(load_error(dir, h + "[rollout]\nmax_fail_percentage = 101\n").find("percentage from 0 to 100") !=
              std::string::npos);
    }
    SECTION("steps need exactly one of run and probe; probes only verify") {
        CHECK(load_error(dir, h + "[[apply]]\nname = \"x\"\n").find("exactly one of run") != std::string::npos);
        CHECK(load_error(dir, h + "[[apply]]\nprobe = \"teredo\"\n").find("use it under [[verify]]") != std::string::npos);
        CHECK(load_error(dir, h + "[[verify]]\nprobe = \"teredo\"\nexpect = \"silence\"\n")
                  .find("expected one of no-answer, answer, got \"silence\"") != std::string::npos);
        CHECK(load_error(dir, h + "[[capture]]\nrun = \"x\"\n").find("needs an id") != std::string::npos);
        CHECK(load_error(dir, h + "[[capture]]\nid = \"a\"\nrun = \"x\"\n[[capture]]\nid = \"a\"\nrun = \"y\"\n")
                  .find("already uses id 'a'") != std::string::npos);
    }
    SECTION("templates must name facts a capture step defines before them") {
        const std::string capture = "[[capture]]\nid = \"teredo\"\nrun = \"show\"\nfacts.type = 'Type\\s*:\\s*(\\w+)'\n";
        CHECK(load_error(dir, h + capture + "[[rollback]]\nrun = \"set type={{teredo.typ}}\"\n") ==
              file + ":9:7: key 'rollback[0].run': {{teredo.typ}} names no fact a capture step defines before this "
                     "step, nor host.name or vars.NAME; defined facts: teredo.type");
        CHECK(load_error(dir, h + capture + "[compliant]\n\"teredo.state\" = \"x\"\n")
                  .starts_with(file + ":9:1: key 'compliant.\"teredo.state\"': names no fact"));
        CHECK(load_error(dir, h + "[[capture]]\nid = \"a\"\nrun = \"x {{b.v}}\"\n[[capture]]\nid = \"b\"\nrun = \"y\"\nfacts.v = 'v'\n")
                  .find("{{b.v}} names no fact") != std::string::npos);
        CHECK(load_error(dir, h + "[[apply]]\nrun = \"x {{ oops\"\n").find("never closed") != std::string::npos);
        auto ok = load_playbook(dir.write("ok.toml", h + capture + "[[apply]]\nrun = \"x {{ teredo.type }} {{host.name}} {{vars.site}}\"\n"));
        CHECK(ok.has_value());
    }
    SECTION("required keys and their values") {
        CHECK(load_error(dir, "name = \"t\"\nplatform = \"windows\"\n[[apply]]\nrun = \"x\"\n").find("key 'targets': is missing") !=
              std::string::npos);
        CHECK(load_error(dir, "name = \"t\"\nplatform = \"macos\"\ntargets = \"all\"\n") ==
              file + ":2:12: key 'platform': expected one of windows, linux, got \"macos\"");
        CHECK(load_error(dir, h + "[[verify]]\nrun = \"x\"\ndelay = \"2 s\"\n").starts_with(file + ":6:9: key 'verify[0].delay': expected a duration"));
    }
}
