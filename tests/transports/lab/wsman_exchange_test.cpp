// The lab's WS-Man answers, read back with fleetmend's own client-side
// builders and parsers (transports/winrm), over a TLS+Basic connection so
// no handshake is needed: shapes, faults and time-outs a client relies on.
#include "transports/lab/base64_text.hpp"
#include "transports/lab/wsman_exchange.hpp"
#include "transports/winrm/powershell_command.hpp"
#include "transports/winrm/wsman_envelope.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::lab;

namespace {

const lab_credentials credentials{"LAB", "Administrator", "Secret-1!"};

host_spec spec_with(host_faults faults = {}) {
    host_spec spec;
    spec.number = 1;
    spec.name = "win001.lab.example";
    spec.address = "127.1.0.1";
    spec.scheme = lab_scheme::https;
    spec.auth = lab_auth::basic;
    spec.initial_type = teredo_type::client;
    spec.faults = faults;
    return spec;
}

http::request<http::string_body> post(const std::string& body, const std::string& password = credentials.password) {
    http::request<http::string_body> r{http::verb::post, "/wsman", 11};
    r.set(http::field::authorization, "Basic " + base64_encode("LAB\\Administrator:" + password));
    r.set(http::field::content_type, "application/soap+xml;charset=UTF-8");
    r.body() = body;
    r.prepare_payload();
    return r;
}

winrm::envelope_header header() {
    winrm::envelope_header h;
    h.to = "https://127.1.0.1:5986/wsman";
    h.message_id = "uuid:11111111-2222-3333-4444-555555555555";
    h.operation_timeout = std::chrono::seconds(3);
    return h;
}

struct client {
    lab_host host;
    connection_state connection{true, nullptr, false, false};
    exchange_result send(const std::string& soap) {
        return handle_exchange(host, credentials, connection, post(soap), "https://127.1.0.1:5986/wsman");
    }
};

}  // namespace

TEST_CASE("a command's output comes back through Create, Command and Receive", "[lab][unit]") {
    client c{lab_host(spec_with())};
    auto created = c.send(winrm::build_create_shell(header()));
    REQUIRE(created.response.result() == http::status::ok);
    const auto shell = winrm::parse_shell_id(created.response.body());
    REQUIRE(shell.has_value());
    auto started = c.send(winrm::build_command(header(), *shell, "netsh", {"interface", "teredo", "show", "state"}, false));
    const auto command = winrm::parse_command_id(started.response.body());
    REQUIRE(command.has_value());
    auto received = c.send(winrm::build_receive(header(), *shell, *command));
    const auto chunk = winrm::parse_receive(received.response.body());
    REQUIRE(chunk.has_value());
    CHECK(chunk->done);
    CHECK(chunk->exit_code == 0);
    CHECK(chunk->stdout_bytes.starts_with("Teredo Parameters\r\n"));
    CHECK(chunk->stdout_bytes.find("Type                    : client\r\n") != std::string::npos);
    CHECK(c.send(winrm::build_signal_terminate(header(), *shell, *command)).response.result() == http::status::ok);
    CHECK(c.send(winrm::build_delete_shell(header(), *shell)).response.result() == http::status::ok);
    const auto counted = c.host.counters();
    CHECK(counted.authentications == 1);
    CHECK(counted.shells == 1);
    CHECK(counted.commands == 1);
}

TEST_CASE("a deleted shell answers Windows' shell-not-found fault", "[lab][unit]") {
    client c{lab_host(spec_with())};
    const auto reply = c.send(winrm::build_command(header(), "0000-NOPE", "hostname", {}, false));
    CHECK(reply.response.result() == http::status::internal_server_error);
    const auto fault = winrm::parse_fault(reply.response.body());
    REQUIRE(fault.has_value());
    REQUIRE(fault->has_value());
    CHECK((*fault)->wsman_code == 2150858843U);
    CHECK((*fault)->subcode == "w:InvalidSelectors");
}

TEST_CASE("a hanging command answers w:TimedOut after OperationTimeout", "[lab][unit]") {
    host_faults faults;
    faults.hang = true;
    client c{lab_host(spec_with(faults))};
    const auto shell = winrm::parse_shell_id(c.send(winrm::build_create_shell(header())).response.body());
    REQUIRE(shell.has_value());
    const auto command = winrm::parse_command_id(
        c.send(winrm::build_command(header(), *shell, "netsh", {"interface", "teredo", "show", "state"}, false)).response.body());
    REQUIRE(command.has_value());
    const auto reply = c.send(winrm::build_receive(header(), *shell, *command));
    CHECK(reply.delay == std::chrono::seconds(3));  // the server holds it for OperationTimeout
    CHECK(reply.response.result() == http::status::internal_server_error);
    const auto fault = winrm::parse_fault(reply.response.body());
    REQUIRE(fault.has_value());
    REQUIRE(fault->has_value());
    CHECK((*fault)->wsman_code == 2150858793U);
    CHECK((*fault)->subcode == "w:TimedOut");
}

TEST_CASE("scripted faults: WS-Man quota on Create, drop on Receive, latency on every answer", "[lab][unit]") {
    host_faults faults;
    faults.wsman_fault = true;
    client quota{lab_host(spec_with(faults))};
    const auto reply = quota.send(winrm::build_create_shell(header()));
    CHECK(reply.response.result() == http::status::internal_server_error);
    const auto fault = winrm::parse_fault(reply.response.body());
    REQUIRE(fault.has_value());
    REQUIRE(fault->has_value());
    CHECK((*fault)->wsman_code == 2150859173U);

    host_faults dropping;
    dropping.drop = true;
    dropping.latency = std::chrono::milliseconds(250);
    client drop{lab_host(spec_with(dropping))};
    const auto created = drop.send(winrm::build_create_shell(header()));
    CHECK(created.delay == std::chrono::milliseconds(250));
    const auto shell = winrm::parse_shell_id(created.response.body());
    REQUIRE(shell.has_value());
    CHECK(drop.send(winrm::build_receive(header(), *shell, "X")).drop);
}

TEST_CASE("Basic with a wrong password is a 401 and counts a failure", "[lab][unit]") {
    client c{lab_host(spec_with())};
    const auto reply = handle_exchange(c.host, credentials, c.connection, post(winrm::build_create_shell(header()), "nope"),
                                       "https://127.1.0.1:5986/wsman");
    CHECK(reply.response.result() == http::status::unauthorized);
    CHECK(c.host.counters().auth_failures == 1);
    CHECK(c.host.counters().shells == 0);
}

TEST_CASE("Basic over plain HTTP is refused (AllowUnencrypted=false)", "[lab][unit]") {
    client c{lab_host(spec_with())};
    c.connection.tls = false;
    const auto reply = c.send(winrm::build_create_shell(header()));
    CHECK(reply.response.result() == http::status::unauthorized);
    CHECK(c.host.counters().shells == 0);
}

TEST_CASE("a request without credentials gets Windows' challenges", "[lab][unit]") {
    client c{lab_host(spec_with())};
    http::request<http::string_body> r{http::verb::post, "/wsman", 11};
    r.body() = winrm::build_create_shell(header());
    r.prepare_payload();
    const auto reply = handle_exchange(c.host, credentials, c.connection, r, "https://127.1.0.1:5986/wsman");
    CHECK(reply.response.result() == http::status::unauthorized);
    std::vector<std::string> offered;
    const auto [first, last] = reply.response.equal_range(http::field::www_authenticate);
    for (auto it = first; it != last; ++it) offered.emplace_back(it->value());
    CHECK(offered == std::vector<std::string>{"Negotiate", "Basic realm=\"WSMAN\""});
}

TEST_CASE("stdin arrives by Send: a bootstrap reading $input waits for End, then runs it", "[lab][unit]") {
    client c{lab_host(spec_with())};
    const auto shell = winrm::parse_shell_id(c.send(winrm::build_create_shell(header())).response.body());
    REQUIRE(shell.has_value());
    const auto plan = winrm::plan_powershell(std::string(9000, ' ') + "Write-Output 'from stdin'\nexit 7\n");
    REQUIRE_FALSE(plan.input.empty());
    const auto command = winrm::parse_command_id(
        c.send(winrm::build_command(header(), *shell, plan.line.command, plan.line.arguments, false)).response.body());
    REQUIRE(command.has_value());
    // Nothing runs before the input ended: the Receive is held and times out.
    auto waiting = c.send(winrm::build_receive(header(), *shell, *command));
    CHECK(waiting.response.result() == http::status::internal_server_error);
    const auto half = plan.input.size() / 2;
    CHECK(c.send(winrm::build_send(header(), *shell, *command, plan.input.substr(0, half), false)).response.result() ==
          http::status::ok);
    CHECK(c.send(winrm::build_send(header(), *shell, *command, plan.input.substr(half), true)).response.result() ==
          http::status::ok);
    const auto chunk = winrm::parse_receive(c.send(winrm::build_receive(header(), *shell, *command)).response.body());
    REQUIRE(chunk.has_value());
    CHECK(chunk->done);
    CHECK(chunk->exit_code == 7);
    CHECK(chunk->stdout_bytes == "from stdin\r\n");
    CHECK(c.host.counters().input_pieces == 2);
}

TEST_CASE("output larger than MaxEnvelopeSize comes in pieces, Running until the last", "[lab][unit]") {
    host_faults old;
    old.old_envelope_size = true;
    client c{lab_host(spec_with(old))};
    const auto shell = winrm::parse_shell_id(c.send(winrm::build_create_shell(header())).response.body());
    REQUIRE(shell.has_value());
    std::string script, expected;
    while (script.size() < 200 * 1024) {
        script += "Write-Output 'a line of output long enough to fill envelopes quickly'\n";
        expected += "a line of output long enough to fill envelopes quickly\r\n";
    }
    const auto plan = winrm::plan_powershell(script);
    const auto command = winrm::parse_command_id(
        c.send(winrm::build_command(header(), *shell, plan.line.command, plan.line.arguments, false)).response.body());
    REQUIRE(command.has_value());
    // 150 KiB: one Send of all 200 KB is refused as too large, pieces that fit are taken.
    auto too_large = c.send(winrm::build_send(header(), *shell, *command, plan.input, true));
    CHECK(too_large.response.body().find("2150859025") != std::string::npos);
    const auto capacity = winrm::send_capacity(header(), *shell, *command);
    for (std::size_t at = 0; at < plan.input.size(); at += capacity)
        REQUIRE(c.send(winrm::build_send(header(), *shell, *command, plan.input.substr(at, capacity),
                                         at + capacity >= plan.input.size()))
                    .response.result() == http::status::ok);
    std::string out;
    int receives = 0;
    for (bool done = false; !done && receives < 10; ++receives) {
        auto answer = c.send(winrm::build_receive(header(), *shell, *command));
        CHECK(answer.response.body().size() <= 150 * 1024);
        const auto chunk = winrm::parse_receive(answer.response.body());
        REQUIRE(chunk.has_value());
        out += chunk->stdout_bytes;
        done = chunk->done;
    }
    CHECK(receives >= 2);
    CHECK(out == expected);
}

TEST_CASE("the config Get reports MaxEnvelopeSizekb, an old host refuses it and a larger MaxEnvelopeSize", "[lab][unit]") {
    client modern{lab_host(spec_with())};
    auto config = modern.send(winrm::build_get_config(header()));
    CHECK(winrm::parse_max_envelope_size_kb(config.response.body()) == std::optional<std::size_t>(500));
    host_faults old_faults;
    old_faults.old_envelope_size = true;
    client old{lab_host(spec_with(old_faults))};
    CHECK(old.send(winrm::build_get_config(header())).response.result() == http::status::internal_server_error);
    auto h = header();
    h.max_envelope_size = winrm::large_max_envelope_size;
    auto refused = old.send(winrm::build_create_shell(h));
    CHECK(refused.response.body().find("w:EncodingLimit") != std::string::npos);
    CHECK(old.host.counters().shells == 0);
}
