// "NTLM sends channel bindings over HTTPS", against the lab, which now
// enforces them (transports/lab/gss_acceptor.cpp: gss_accept_sec_context gets the
// tls-server-end-point bindings of the host's certificate, RFC 5929): an NTLM
// authentication made for another TLS channel — what a relaying
// man-in-the-middle has — is refused, and fleetmend's own client gets in.
#include "transports/lab/gss_acceptor.hpp"
#include "transports/lab/lab.hpp"
#include "transports/transport.hpp"
#include "transports/winrm/auth_challenge.hpp"
#include "transports/winrm/gss_client.hpp"
#include "transports/winrm/http_connection.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <unistd.h>

using namespace fleetmend;

namespace {

constexpr const char* password = "Cbt-Passw0rd-19";

std::string scenario_text() {
    return std::string(R"toml(
name = "channel-bindings"
hosts = 2
name_pattern = "cbt{n:02}.lab.example"
domain = "LAB"
user = "Administrator"
password = ")toml") + password + R"toml("
[[group]]
name = "https-ntlm"
scheme = "https"
auth = "ntlm"
[types]
default = 1
)toml";
}

struct cbt_lab {
    std::unique_ptr<lab::lab_fleet> fleet;
    std::string directory;
    cbt_lab() = default;
    cbt_lab(cbt_lab&&) = default;
    ~cbt_lab() {
        if (fleet) fleet->stop();
        std::error_code ignored;
        if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
    }
};

// One lab per process: gss-ntlmssp reads its user file once.
cbt_lab& lab_env() {
    static cbt_lab env = [] {
        cbt_lab made;
        char dir_template[] = "/tmp/fleetmend-cbt-lab-XXXXXX";
        if (!::mkdtemp(dir_template)) FAIL("mkdtemp failed");
        made.directory = dir_template;
        lab::lab_options options;
        options.scenario_text = scenario_text();
        options.directory = made.directory;
        // ctest runs test cases as parallel processes: each gets its own addresses.
        options.address_base = "127.225." + std::to_string(1 + ::getpid() % 250) + ".1";
        auto fleet = lab::lab_fleet::start(options);
        if (!fleet) FAIL("lab: " << fleet.error());
        made.fleet = std::move(*fleet);
        return made;
    }();
    return env;
}

const lab::host_spec& host(unsigned n) {
    auto name = lab::format_host_name("cbt{n:02}.lab.example", n);
    const auto* spec = lab_env().fleet->find(name);
    REQUIRE(spec != nullptr);
    return *spec;
}

constexpr std::uint16_t https_port = 5986;

/// The two NTLM legs by hand, with the channel bindings a test chooses.
/// Returns the HTTP status of the AUTHENTICATE leg (401: refused).
int ntlm_handshake(const lab::host_spec& spec, const std::optional<std::string>& bindings_override) {
    winrm::http_connection connection(spec.name, spec.address, https_port,
                                      winrm::tls_options{true, lab_env().fleet->ca_file()});
    auto until = clock_type::now() + std::chrono::seconds(15);
    auto opened = connection.open(until);
    INFO((opened ? std::string() : opened.error().message));
    REQUIRE(opened.has_value());
    const secret pw{password};
    winrm::gss_client_options options;
    options.mechanism = winrm::gss_mechanism::ntlm;
    options.target = "HTTP@" + spec.name;
    options.user = "LAB\\Administrator";
    options.password = &pw;
    options.end_point_hash = bindings_override.value_or(connection.server_end_point_hash());
    auto client = winrm::gss_client::create(options);
    REQUIRE(client.has_value());
    auto negotiate = (*client)->step({});
    REQUIRE(negotiate.has_value());

    auto post = [&](const std::string& token) {
        winrm::http_request request;
        request.headers = {{"Content-Type", "application/soap+xml;charset=UTF-8"},
                           {"Authorization", "Negotiate " + winrm::base64_encode(token)}};
        auto response = connection.post(request, until);
        REQUIRE(response.has_value());
        return *response;
    };
    auto challenged = post(*negotiate);
    REQUIRE(challenged.status == 401);
    auto challenge = winrm::base64_decode(winrm::challenge_token(challenged.header("www-authenticate"), "Negotiate"));
    REQUIRE(challenge.has_value());
    auto authenticate = (*client)->step(*challenge);
    REQUIRE(authenticate.has_value());
    return post(*authenticate).status;
}

}  // namespace

TEST_CASE("fleetmend's NTLM over HTTPS carries the channel bindings a strict host requires", "[hardening][integration][winrm]") {
    const auto& spec = host(1);
    connection_settings s;
    s.host_name = spec.name;
    s.address = spec.address;
    s.port = https_port;
    s.kind = transport_kind::winrm;
    s.user = "LAB\\Administrator";
    s.password = secret{password};
    s.winrm.scheme = winrm_scheme::https;
    s.winrm.auth = winrm_auth::ntlm;
    s.winrm.ca_file = lab_env().fleet->ca_file();
    auto before = lab_env().fleet->counters(spec.name);
    auto t = make_transport(s);
    auto connected = t->connect(clock_type::now() + std::chrono::seconds(15));
    INFO((connected ? std::string() : connected.error().message));
    REQUIRE(connected.has_value());
    auto result = t->run("netsh interface teredo show state", shell_kind::cmd, clock_type::now() + std::chrono::seconds(15));
    REQUIRE(result.has_value());
    CHECK(result->stdout_text.find("Type") != std::string::npos);
    t->close();
    auto after = lab_env().fleet->counters(spec.name);
    CHECK(after.authentications == before.authentications + 1);
    CHECK(after.auth_failures == before.auth_failures);
}

TEST_CASE("The lab accepts NTLM bound to its own TLS channel", "[hardening][integration][winrm]") {
    // The control for the refusals below: the same hand-made handshake with the right bindings.
    CHECK(ntlm_handshake(host(2), std::nullopt) != 401);
}

TEST_CASE("NTLM bound to another TLS channel is refused over HTTPS", "[hardening][integration][winrm]") {
    const auto& spec = host(2);
    auto before = lab_env().fleet->counters(spec.name);
    // What a relaying man-in-the-middle presents: bindings of ITS certificate.
    CHECK(ntlm_handshake(spec, std::string(32, '\x5a')) == 401);
    auto after = lab_env().fleet->counters(spec.name);
    CHECK(after.auth_failures == before.auth_failures + 1);
    CHECK(after.authentications == before.authentications);
}

TEST_CASE("NTLM without channel bindings over HTTPS is accepted by gss-ntlmssp 1.2 (Relaxed, not Strict)", "[hardening][integration][winrm]") {
    // gss-ntlmssp 1.2 (Debian 12) verifies bindings a client sent but lets an
    // AUTHENTICATE without them through, like CbtHardeningLevel=Relaxed. So the
    // lab cannot show that a client SENDS bindings by refusing one that does
    // not; the next test shows it with the acceptor expecting other bindings.
    const auto& spec = host(2);
    CHECK(ntlm_handshake(spec, std::string{}) != 401);
}

namespace {

// One NTLM handshake in process: fleetmend's initiator against the lab's
// acceptor expecting `expected` bindings. True when the acceptor completes.
/// fleetmend's NTLM initiator as it logs on to lab host 1 (`pw` must outlive it).
winrm::gss_client_options ntlm_options(const secret& pw) {
    winrm::gss_client_options options;
    options.mechanism = winrm::gss_mechanism::ntlm;
    options.target = "HTTP@" + host(1).name;
    options.user = "LAB\\Administrator";
    options.password = &pw;
    return options;
}

bool bound_handshake(const std::string& client_hash, const std::string& expected) {
    (void)lab_env();  // the lab configured NTLM_USER_FILE before any GSSAPI call
    const secret pw{password};
    auto options = ntlm_options(pw);
    options.end_point_hash = client_hash;
    auto client = winrm::gss_client::create(options);
    REQUIRE(client.has_value());
    lab::gss_acceptor acceptor;
    lab::channel_binding_scope bound(expected);
    auto negotiate = (*client)->step({});
    REQUIRE(negotiate.has_value());
    auto challenge = acceptor.step(*negotiate);
    REQUIRE(challenge.state == lab::gss_acceptor::status::continue_needed);
    auto authenticate = (*client)->step(challenge.token);
    REQUIRE(authenticate.has_value());
    return acceptor.step(*authenticate).state == lab::gss_acceptor::status::complete;
}

}  // namespace

TEST_CASE("fleetmend's NTLM initiator puts the channel bindings it is given into its AUTHENTICATE", "[hardening][integration][winrm]") {
    const std::string server_hash(32, '\x11');
    // Accepted when both sides bind to the same certificate hash...
    CHECK(bound_handshake(server_hash, server_hash));
    // ...and refused when the acceptor's channel differs: the client did send bindings
    // (an AUTHENTICATE without them would have been let through, see above).
    CHECK_FALSE(bound_handshake(server_hash, std::string(32, '\x22')));
}

TEST_CASE("A live gss-ntlmssp CHALLENGE passes the NTLM check, the crashing variant of it never reaches GSSAPI", "[hardening][integration][winrm][ntlm]") {
    (void)lab_env();  // NTLM_USER_FILE for the acceptor
    const secret pw{password};
    auto client = winrm::gss_client::create(ntlm_options(pw));
    REQUIRE(client.has_value());
    lab::gss_acceptor acceptor;
    auto negotiate = (*client)->step({});
    REQUIRE(negotiate.has_value());
    auto challenge = acceptor.step(*negotiate);
    REQUIRE(challenge.state == lab::gss_acceptor::status::continue_needed);

    // The crashing shape: TargetNameLen = MaxLen = 0 while a target type is announced.
    std::string emptied = challenge.token;
    REQUIRE(emptied.size() >= 16);
    for (std::size_t i = 12; i < 16; ++i) emptied[i] = '\0';
    auto refused = winrm::decode_challenge(winrm::challenge_token("Negotiate " + winrm::base64_encode(emptied), "Negotiate"));
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error(), Catch::Contains("malformed NTLM challenge"));

    // The real one goes through unchanged and the handshake completes.
    const auto header = "Negotiate " + winrm::base64_encode(challenge.token);
    auto bytes = winrm::decode_challenge(winrm::challenge_token(header, "Negotiate"));
    INFO((bytes ? std::string() : bytes.error()));
    REQUIRE(bytes.has_value());
    CHECK(*bytes == challenge.token);
    auto authenticate = (*client)->step(*bytes);
    REQUIRE(authenticate.has_value());
    CHECK(acceptor.step(*authenticate).state == lab::gss_acceptor::status::complete);
}
