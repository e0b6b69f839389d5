// The probe against a real miredo-server (Debian) in its own network namespace:
// answered while it runs, silence once it stops.
#include "transports/probe/teredo_probe.hpp"

#include "teredo_netns.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

teredo_probe_result probe_from_client(const teredo_netns& net, teredo_probe_options options) {
    std::expected<teredo_probe_result, transport_error> result = std::unexpected(transport_error{error_kind::config, "not run"});
    teredo_netns::run_in(net.client_ns(), [&] { result = probe_teredo(teredo_netns::server_address, options); });
    INFO("probe error: " << (result ? std::string() : result.error().message));
    REQUIRE(result.has_value());
    return *result;
}

teredo_probe_options quick(teredo_solicitation solicitation) {
    teredo_probe_options options;
    options.timeout_per_attempt = 500ms;
    options.attempts = 2;
    options.solicitation = solicitation;
    return options;
}

}  // namespace

TEST_CASE("a running miredo-server answers the probe, a cone RS from its second address", "[probe][integration]") {
    if (const auto reason = teredo_netns_unavailable_reason(); !reason.empty()) skip_test(reason);
    teredo_netns net;
    miredo_server server(net);

    const auto cone = probe_from_client(net, quick(teredo_solicitation::cone));
    INFO(cone.detail);
    CHECK(cone.answered);
    CHECK(cone.answered_from == "192.0.2.222:3544");
    CHECK(cone.round_trip > 0us);
    CHECK(cone.server_prefix == "2001:0:c000:2dd::/64");
    CHECK(cone.seen_as.rfind("192.0.2.10:", 0) == 0);
    CHECK(cone.ignored_packets == 0);

    const auto restricted = probe_from_client(net, quick(teredo_solicitation::restricted));
    CHECK(restricted.answered);
    CHECK(restricted.answered_from == "192.0.2.221:3544");

    const auto both = probe_from_client(net, teredo_probe_options{});
    CHECK(both.answered);
    CHECK(both.attempts_used == 1);
}

TEST_CASE("once miredo-server stops, the probe gets no answer", "[probe][integration]") {
    if (const auto reason = teredo_netns_unavailable_reason(); !reason.empty()) skip_test(reason);
    teredo_netns net;
    miredo_server server(net);
    REQUIRE(probe_from_client(net, quick(teredo_solicitation::cone_and_restricted)).answered);

    server.stop();
    REQUIRE_FALSE(teredo_netns::udp_port_bound(net.server_ns(), 3544));
    const auto silent = probe_from_client(net, quick(teredo_solicitation::cone_and_restricted));
    INFO(silent.detail);
    CHECK_FALSE(silent.answered);
    // The server's kernel usually says "port unreachable" (fast); ICMP rate
    // limiting may swallow that, then both attempts time out.
    CHECK((silent.port_closed || silent.attempts_used == 2));
}

TEST_CASE("the namespaces are gone after a test, even one that failed", "[probe][integration]") {
    if (const auto reason = teredo_netns_unavailable_reason(); !reason.empty()) skip_test(reason);
    std::string server_ns;
    try {
        teredo_netns net;
        server_ns = net.server_ns();
        miredo_server server(net);
        REQUIRE(std::filesystem::exists("/run/netns/" + server_ns));
        throw std::runtime_error("simulated failure");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(std::filesystem::exists("/run/netns/" + server_ns));
}
