// The probe's matching rules against scripted UDP peers on loopback: which
// datagrams count as an answer, from which address, and how long silence takes.
// The real server is exercised in tests/integration/teredo.
#include "transports/probe/teredo_probe.hpp"

#include "teredo_answers.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

using namespace fleetmend;
using namespace std::chrono_literals;

namespace {

struct bound_socket {
    int fd = -1;
    std::uint16_t port = 0;
    explicit bound_socket(const char* address) {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, address, &local.sin_addr);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
        socklen_t size = sizeof local;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size);
        port = ntohs(local.sin_port);
    }
    ~bound_socket() { ::close(fd); }
    bound_socket(const bound_socket&) = delete;
    bound_socket& operator=(const bound_socket&) = delete;
};

/// Receives solicitations on `listen` for `lifetime` and hands each to `respond`
/// with the sender's address.
class scripted_peer {
public:
    using responder = std::function<void(const std::vector<std::uint8_t>&, const sockaddr_in&)>;
    scripted_peer(const bound_socket& listen, std::chrono::milliseconds lifetime, responder respond)
        : worker_([&listen, lifetime, respond = std::move(respond), this] {
              const auto until = std::chrono::steady_clock::now() + lifetime;
              while (std::chrono::steady_clock::now() < until) {
                  pollfd waiting{listen.fd, POLLIN, 0};
                  if (::poll(&waiting, 1, 20) <= 0) continue;
                  std::vector<std::uint8_t> buffer(2048);
                  sockaddr_in from{};
                  socklen_t size = sizeof from;
                  const auto got = ::recvfrom(listen.fd, buffer.data(), buffer.size(), 0,
                                              reinterpret_cast<sockaddr*>(&from), &size);
                  if (got <= 0) continue;
                  buffer.resize(static_cast<std::size_t>(got));
                  ++received_;
                  respond(buffer, from);
              }
          }) {}
    ~scripted_peer() { worker_.join(); }
    [[nodiscard]] int received() const { return received_; }

private:
    int received_ = 0;
    std::thread worker_;
};

/// The captured miredo answer, re-addressed to the nonce of `solicitation`.
std::vector<std::uint8_t> answer_to(const std::vector<std::uint8_t>& solicitation) {
    auto answer = test::from_hex(test::miredo_cone_answer_hex);
    std::copy(solicitation.begin() + 4, solicitation.begin() + 12, answer.begin() + 4);
    return answer;
}

void send_to(int fd, const std::vector<std::uint8_t>& bytes, const sockaddr_in& to) {
    ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

teredo_probe_options fast(std::uint16_t port, int attempts = 2) {
    teredo_probe_options options;
    options.port = port;
    options.attempts = attempts;
    options.timeout_per_attempt = 150ms;
    return options;
}

}  // namespace

TEST_CASE("a closed port is a fast, definite no-answer", "[probe][unit]") {
    std::uint16_t free_port = 0;
    {
        bound_socket probe_only("127.0.0.1");  // find a port, then free it so nothing listens
        free_port = probe_only.port;
    }
    const auto result = probe_teredo("127.0.0.1", fast(free_port, 3));
    REQUIRE(result.has_value());
    CHECK_FALSE(result->answered);
    CHECK(result->port_closed);
    CHECK(result->attempts_used == 1);  // stopped at the first ICMP error, sent no second attempt
    CHECK_THAT(result->detail, Catch::Contains("port unreachable"));
}

TEST_CASE("silence is a result, bounded by attempts x timeout", "[probe][unit]") {
    bound_socket quiet("127.0.0.1");
    const auto started = std::chrono::steady_clock::now();
    const auto result = probe_teredo("127.0.0.1", fast(quiet.port, 3));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    REQUIRE(result.has_value());
    CHECK_FALSE(result->answered);
    CHECK(result->attempts_used == 3);
    CHECK(elapsed >= 440ms);  // waited out every attempt
    CHECK_FALSE(result->port_closed);
    CHECK_THAT(result->detail, Catch::Contains("no Teredo answer"));
}

TEST_CASE("an answer from the server's second address counts, with its round trip", "[probe][unit]") {
    bound_socket primary("127.0.0.1");
    bound_socket second("127.0.0.2");
    scripted_peer peer(primary, 600ms, [&](const std::vector<std::uint8_t>& rs, const sockaddr_in& from) {
        send_to(second.fd, answer_to(rs), from);
    });
    auto options = fast(primary.port);
    options.solicitation = teredo_solicitation::cone;
    const auto result = probe_teredo("127.0.0.1", options);
    REQUIRE(result.has_value());
    CHECK(result->answered);
    CHECK(result->answered_from == "127.0.0.2:" + std::to_string(second.port));
    CHECK(result->round_trip > 0us);
    CHECK(result->attempts_used == 1);  // answered within the first attempt
    CHECK(result->server_prefix == "2001:0:c000:2dd::/64");
    CHECK(result->seen_as == "192.0.2.10:60042");
}

TEST_CASE("datagrams that do not echo our nonce are ignored, not taken as an answer", "[probe][unit]") {
    bound_socket primary("127.0.0.1");
    scripted_peer peer(primary, 600ms, [&](const std::vector<std::uint8_t>&, const sockaddr_in& from) {
        send_to(primary.fd, test::from_hex(test::miredo_cone_answer_hex), from);  // someone else's nonce
        send_to(primary.fd, {0x00, 0x01, 0xff}, from);                             // garbage
    });
    const auto result = probe_teredo("127.0.0.1", fast(primary.port));
    REQUIRE(result.has_value());
    CHECK_FALSE(result->answered);
    CHECK(result->ignored_packets >= 2);
    CHECK_THAT(result->detail, Catch::Contains("ignored"));
}

TEST_CASE("a late answer to an earlier attempt still counts", "[probe][unit]") {
    bound_socket primary("127.0.0.1");
    std::vector<std::uint8_t> first;
    scripted_peer peer(primary, 600ms, [&](const std::vector<std::uint8_t>& rs, const sockaddr_in& from) {
        if (first.empty()) {
            first = rs;
            return;  // stay silent until the second attempt arrives
        }
        send_to(primary.fd, answer_to(first), from);
    });
    auto options = fast(primary.port);
    options.solicitation = teredo_solicitation::restricted;
    const auto result = probe_teredo("127.0.0.1", options);
    REQUIRE(result.has_value());
    CHECK(result->answered);
    CHECK(result->attempts_used == 1);       // the attempt whose nonce was answered
    CHECK(result->round_trip >= 150ms);      // measured from that attempt's send
}

TEST_CASE("a probe that cannot be sent is an error that says what to fix", "[probe][unit]") {
    const auto empty = probe_teredo("", teredo_probe_options{});
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().kind == error_kind::config);
    const auto unknown = probe_teredo("no-such-host.invalid", teredo_probe_options{});
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().kind == error_kind::unreachable);
    CHECK_THAT(unknown.error().message, Catch::Contains("address"));
    auto zero = teredo_probe_options{};
    zero.attempts = 0;
    CHECK_FALSE(probe_teredo("127.0.0.1", zero).has_value());
}
