#include "transports/net/tcp_connect.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace fleetmend;
using namespace std::chrono_literals;

TEST_CASE("a literal address resolves at once with its port in IPv4 and IPv6", "[net][unit]") {
    const auto v4 = net::resolve_within("192.0.2.7", 5986, clock_type::now() + 1s);
    REQUIRE(v4);
    REQUIRE(v4->size() == 1);
    CHECK(v4->front().text() == "192.0.2.7:5986");
    const auto v6 = net::resolve_within("2001:db8::7", 22, clock_type::now() + 1s);
    REQUIRE(v6);
    CHECK(v6->front().text() == "[2001:db8::7]:22");
    // No lookup runs for a literal, so even a deadline already past answers.
    CHECK(net::resolve_within("192.0.2.8", 22, clock_type::now() - 1s));
}

TEST_CASE("a name from /etc/hosts resolves and a malformed one fails without waiting for the deadline", "[net][unit]") {
    const auto local = net::resolve_within("localhost", 22, clock_type::now() + 5s);
    REQUIRE(local);
    CHECK_FALSE(local->empty());
    const auto t0 = clock_type::now();
    const auto bad = net::resolve_within("no such host..example", 22, t0 + 5s);
    REQUIRE_FALSE(bad);
    CHECK_FALSE(bad.error().timed_out);
    CHECK(clock_type::now() - t0 < 5s);
}

TEST_CASE("a TCP connect is accepted or refused at once and its failure names the stage", "[net][unit]") {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    socklen_t size = sizeof at;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&at), &size) == 0);
    const auto port = ntohs(at.sin_port);

    // Bound, not listening: refused.
    const auto refused = net::tcp_connect_within("127.0.0.1", port, clock_type::now() + 2s);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().at == net::connect_error::stage::connect);
    CHECK_FALSE(refused.error().timed_out);
    CHECK(refused.error().reason == "Connection refused");

    REQUIRE(::listen(listener, 4) == 0);
    const auto connected = net::tcp_connect_within("127.0.0.1", port, clock_type::now() + 2s);
    REQUIRE(connected);
    CHECK(connected->valid());
    ::close(listener);

    const auto unresolved = net::tcp_connect_within("no such host..example", port, clock_type::now() + 2s);
    REQUIRE_FALSE(unresolved);
    CHECK(unresolved.error().at == net::connect_error::stage::resolve);
}
