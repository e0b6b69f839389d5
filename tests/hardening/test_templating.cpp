// Remote output never becomes code: a host that prints shell metacharacters
// where the playbook captures a fact must not get them back in a command. The
// real host runner drives a recording transport (pure logic stand-in: it only
// prints hostile text and keeps every command it is given).
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/engine/host_runner.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

using namespace fleetmend;
namespace fs = std::filesystem;

namespace {

/// Prints `hostile` as the Teredo type; every `set state` fails (so the
/// runner rolls back with the captured fact). Keeps every command.
class hostile_transport final : public transport {
public:
    hostile_transport(std::string hostile, std::vector<std::string>& commands, std::mutex& mutex)
        : hostile_(std::move(hostile)), commands_(commands), mutex_(mutex) {}
    std::expected<void, transport_error> connect(deadline) override { return {}; }
    std::expected<exec_result, transport_error> run(const std::string& command, shell_kind, deadline) override {
        {
            std::lock_guard lock(mutex_);
            commands_.push_back(command);
        }
        exec_result r;
        if (command.find("show state") != std::string::npos) {
            r.stdout_text = "Teredo Parameters\r\n---------------------------------------------\r\n"
                            "Type                    : " + hostile_ + "\r\n"
                            "Server Name             : teredo.ipv6.microsoft.com.\r\n"
                            "State                   : offline\r\n";
        } else {
            r.exit_code = 1;
            r.stdout_text = "The requested operation requires elevation (Run as administrator).\r\n";
        }
        return r;
    }
    void close() noexcept override {}
    void cancel() noexcept override {}  // run() never waits: nothing to end early
    transport_stats stats() const noexcept override { return {}; }

private:
    std::string hostile_;
    std::vector<std::string>& commands_;
    std::mutex& mutex_;
};

class discard_sink final : public event_sink {
protected:
    void on_event(const run_event&) override {}
};

teredo_probe_function silent_probe() {
    return [](const std::string&) -> std::expected<teredo_probe_result, transport_error> {
        teredo_probe_result r;
        r.detail = "no answer";
        return r;
    };
}

// The fact takes everything between "Type :" and the next field, newlines
// included, so every hostile byte reaches the fact and the template.
const char* hostile_playbook_toml = R"(name = "hostile-facts"
description = "captures text a hostile host controls"
platform = "windows"
targets = "all"

[[capture]]
id = "teredo"
run = "netsh interface teredo show state"
facts.type = 'Type\s*:\s*([\s\S]*?)\r\nServer Name'

[compliant]
"teredo.type" = "disabled"

[[apply]]
name = "disable teredo"
run = "netsh interface teredo set state type=disabled"
expect = { exit = 0 }

[[verify]]
name = "teredo type is disabled"
run = "netsh interface teredo show state"
expect = { stdout = 'Type\s*:\s*disabled' }

[[rollback]]
name = "restore previous type"
run = "netsh interface teredo set state type={{teredo.type}}"
)";

playbook hostile_playbook() {
    const fs::path path = fs::temp_directory_path() / ("fleetmend-hostile-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << hostile_playbook_toml;
    auto book = load_playbook(path.string());
    fs::remove(path);
    if (!book) FAIL(book.error().to_string());
    return *book;
}

host_entry test_host() {
    host_entry h;
    h.name = "win001.lab.example";
    h.connection.host_name = h.name;
    h.connection.address = "127.0.0.1";
    return h;
}

const std::vector<std::string> hostile_outputs{
    "client & calc.exe",
    "client | whoami",
    "client; shutdown /r",
    "client\" & echo \"owned",
    "client' ; id ; '",
    "client\r\nnetsh advfirewall set allprofiles state off",
    "client\nwhoami",
    "%COMSPEC% /c whoami",
    "client`whoami`",
    "client$(id)",
    "client ^& whoami",
    "client > C:\\Windows\\win.ini",
};

/// The only commands a host may see: the playbook's own lines, and a restore
/// whose filled-in value is a plain word.
void check_commands_are_clean(const std::vector<std::string>& commands, const std::string& hostile) {
    for (const auto& command : commands) {
        INFO("command given to the host: " << command);
        CHECK(command.find(hostile) == std::string::npos);
        CHECK(command.find_first_of("&|;`$%\"'\r\n<>^()") == std::string::npos);
    }
}

}  // namespace

TEST_CASE("a hostile captured fact never reaches a rollback command", "[templating][unit]") {
    const auto book = hostile_playbook();
    for (const auto& hostile : hostile_outputs) {
        DYNAMIC_SECTION("host prints: " << hostile) {
            std::vector<std::string> commands;
            std::mutex mutex;
            discard_sink sink;
            runner_options options;
            options.rollback_on_failure = true;
            const host_runner runner(
                book, sink, options,
                [&](const connection_settings&) { return std::make_unique<hostile_transport>(hostile, commands, mutex); },
                silent_probe());
            const auto outcome = runner.run(test_host(), 1);

            // The fact was captured as the host printed it (so the template really saw it)...
            REQUIRE(outcome.facts_before.contains("teredo.type"));
            CHECK(outcome.facts_before.at("teredo.type") == hostile);
            // ...the apply failed, and the restore refused to fill the fact in (a
            // runner that refuses earlier, at capture, is as safe).
            CHECK(outcome.status != host_status::rolled_back);
            CHECK(outcome.status != host_status::changed);
            check_commands_are_clean(commands, hostile);
            CHECK_FALSE(outcome.message.empty());
        }
    }
}

TEST_CASE("a tampered report's facts never reach a rollback command", "[templating][unit]") {
    // `fleetmend rollback --from REPORT` restores facts read from a file a
    // user (or an attacker with write access to reports/) may have edited.
    const auto book = hostile_playbook();
    for (const auto& hostile : hostile_outputs) {
        DYNAMIC_SECTION("report says: " << hostile) {
            std::vector<std::string> commands;
            std::mutex mutex;
            discard_sink sink;
            const host_runner runner(
                book, sink, runner_options{.mode = run_mode::rollback},
                [&](const connection_settings&) { return std::make_unique<hostile_transport>("disabled", commands, mutex); },
                silent_probe());
            const auto outcome = runner.roll_back(test_host(), fact_map{{"teredo.type", hostile}}, 1);
            CHECK(outcome.status == host_status::rollback_failed);
            check_commands_are_clean(commands, hostile);
        }
    }
}
