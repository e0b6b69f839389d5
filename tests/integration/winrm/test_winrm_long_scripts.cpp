// Scripts longer than any command line, against the lab: the step goes as a
// short bootstrap plus the script on stdin (WS-Man Send, pieces that fit the
// host's MaxEnvelopeSize), and output larger than one envelope comes back
// whole over several Receives. Counted on the lab side.
#include "tests/integration/winrm/lab_with_kdc.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;

namespace {

constexpr const char* password = "Lab-Passw0rd-79";

// 1: HTTP+NTLM, MaxEnvelopeSizekb 500; 2: the same on an old host (150, config
// not readable); 3: HTTPS+Basic (plain SOAP over TLS).
const char* scenario = R"toml(
name = "long-scripts"
hosts = 3
name_pattern = "ls{n:02}.lab.example"
domain = "LAB"
user = "Administrator"
password = "Lab-Passw0rd-79"

[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"
weight = 2

[[group]]
name = "https-basic"
scheme = "https"
auth = "basic"
weight = 1

[[fault]]
kind = "old-envelope-size"
hosts = [2]
)toml";

lab::lab_fleet& fleet() {
    static test::lab_in_temp_dir env = [] {
        auto started = test::lab_in_temp_dir::start(scenario, "127.232.");
        if (!started) FAIL(started.error());
        return std::move(*started);
    }();
    return *env.fleet;
}

connection_settings settings_for(unsigned n) {
    const auto name = lab::format_host_name("ls{n:02}.lab.example", n);
    const auto* spec = fleet().find(name);
    REQUIRE(spec != nullptr);
    auto s = test::lab_host_settings(fleet(), name,
                                     spec->auth == lab::lab_auth::basic ? "Administrator" : "LAB\\Administrator",
                                     password);
    s.command_timeout = std::chrono::seconds(60);
    s.max_output_bytes = 4u << 20;
    return s;
}

using test::in_seconds;

/// A PowerShell script of about `bytes` bytes printing one numbered line per
/// statement, then `exit 3`; `expected` is what it prints.
std::string numbered_script(std::size_t bytes, std::string& expected) {
    std::string script;
    for (unsigned i = 0; script.size() < bytes; ++i) {
        const std::string line = "line " + std::to_string(i) + " of a long remediation script";
        script += "Write-Output '" + line + "'\n";
        expected += line + "\r\n";
    }
    script += "exit 3\n";
    return script;
}

struct run_figures {
    exec_result result;
    lab::host_counters used;
};

run_figures run_on(unsigned n, const std::string& command, shell_kind shell) {
    auto settings = settings_for(n);
    const auto before = fleet().counters(settings.host_name);
    winrm_transport t(settings);
    auto connected = t.connect(in_seconds(30));
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());
    auto ran = t.run(command, shell, in_seconds(60));
    INFO((ran ? std::string() : ran.error().message));
    REQUIRE(ran.has_value());
    t.close();
    const auto after = fleet().counters(settings.host_name);
    lab::host_counters used;
    used.connections = after.connections - before.connections;
    used.authentications = after.authentications - before.authentications;
    used.shells = after.shells - before.shells;
    used.commands = after.commands - before.commands;
    used.input_pieces = after.input_pieces - before.input_pieces;
    used.open_shells = after.open_shells;
    return {std::move(*ran), used};
}

}  // namespace

TEST_CASE("Long scripts: a 12 KB PowerShell script runs whole over stdin, exit code kept", "[winrm][lab][integration]") {
    std::string expected;
    const auto script = numbered_script(12 * 1024, expected);
    for (unsigned n : {1u, 3u}) {
        INFO("host " << n);
        auto figures = run_on(n, script, shell_kind::powershell);
        CHECK(figures.result.exit_code == 3);
        CHECK(figures.result.stdout_text == expected);
        CHECK(figures.used.connections == 1);
        CHECK(figures.used.authentications == 1);
        CHECK(figures.used.shells == 1);
        CHECK(figures.used.commands == 1);
        CHECK(figures.used.input_pieces == 1);
        CHECK(figures.used.open_shells == 0);
    }
}

TEST_CASE("Long scripts: 200 KB goes in one Send to a 500 KiB host and in 150 KiB pieces to an old host", "[winrm][lab][integration]") {
    std::string expected;
    const auto script = numbered_script(200 * 1024, expected);
    auto modern = run_on(1, script, shell_kind::powershell);
    CHECK(modern.result.exit_code == 3);
    CHECK(modern.result.stdout_text == expected);
    CHECK(modern.used.input_pieces == 1);
    CHECK(modern.used.shells == 1);

    // 150 KiB envelopes: two Sends in, and the ~150 KB of output back over two Receives.
    auto old = run_on(2, script, shell_kind::powershell);
    CHECK(old.result.exit_code == 3);
    CHECK(old.result.stdout_total_bytes == expected.size());
    CHECK(old.result.stdout_text == expected);
    CHECK(old.used.input_pieces == 2);
    CHECK(old.used.connections == 1);
    CHECK(old.used.authentications == 1);
    CHECK(old.used.shells == 1);
    CHECK(old.used.commands == 1);
}

TEST_CASE("Long scripts: a cmd line over 8191 characters runs as a batch on stdin, never truncated", "[winrm][lab][integration]") {
    std::string batch, expected;
    for (unsigned i = 0; batch.size() < 12 * 1024; ++i) {
        batch += "echo batch line " + std::to_string(i) + "\n";
        expected += "batch line " + std::to_string(i) + "\r\n";
    }
    batch += "exit 4\n";
    auto figures = run_on(1, batch, shell_kind::cmd);
    CHECK(figures.result.exit_code == 4);
    CHECK(figures.result.stdout_text == expected);
    CHECK(figures.used.input_pieces == 1);

    // 8191 characters still fit the command line: no stdin.
    const std::string longest = "echo " + std::string(8186, 'x');
    auto inline_run = run_on(1, longest, shell_kind::cmd);
    CHECK(inline_run.result.stdout_text == std::string(8186, 'x') + "\r\n");
    CHECK(inline_run.used.input_pieces == 0);
}
