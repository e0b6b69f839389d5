// WS-Man replies come from hosts we do not trust: a DOCTYPE in a reply must
// never define what its text means. Internal entities are never expanded
// (so "billion laughs" costs nothing), and external entities (SYSTEM/PUBLIC
// URLs, files) are never fetched or read. The parsers are pugixml with
// parse_default, which skips the DOCTYPE and expands only the five XML
// entities and character references.
#include "tests/hardening/hostile_server.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

using namespace fleetmend;

namespace {

// A loopback listener that only counts whether anyone connected to it.
class connection_counter {
public:
    connection_counter() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t n = sizeof a;
        REQUIRE(fd_ >= 0);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 4) == 0);
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0);
        port_ = ntohs(a.sin_port);
    }
    ~connection_counter() { ::close(fd_); }
    connection_counter(const connection_counter&) = delete;
    connection_counter& operator=(const connection_counter&) = delete;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// True when a connection is waiting (someone tried to fetch).
    [[nodiscard]] bool contacted() const {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, 200) > 0;
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

std::string doctype(std::uint16_t port, const std::string& secret_file) {
    return "<?xml version=\"1.0\"?>\n"
           "<!DOCTYPE s:Envelope [\n"
           "  <!ENTITY inner \"EXPANDED\">\n"
           "  <!ENTITY lol \"lollollollollollollollollollol\">\n"
           "  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
           "  <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
           "  <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
           "  <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
           "  <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
           "  <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
           "  <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
           "  <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
           "  <!ENTITY remote SYSTEM \"http://127.0.0.1:" + std::to_string(port) + "/xxe\">\n"
           "  <!ENTITY local SYSTEM \"file://" + secret_file + "\">\n"
           "  <!ENTITY % param SYSTEM \"http://127.0.0.1:" + std::to_string(port) + "/dtd\">\n"
           "  %param;\n"
           "]>\n";
}

constexpr const char* ns =
    "xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\" "
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
    "xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\"";

bool mentions_expansion(const std::string& text) {
    return text.find("EXPANDED") != std::string::npos || text.find("lollol") != std::string::npos ||
           text.find("top-secret-contents") != std::string::npos;
}

}  // namespace

TEST_CASE("WS-Man replies with a DOCTYPE never expand entities nor fetch external ones", "[hardening][unit][winrm]") {
    connection_counter fetch_target;
    const std::string secret_file = "/tmp/fleetmend-xxe-" + std::to_string(::getpid());
    std::ofstream(secret_file) << "top-secret-contents";
    const auto prologue = doctype(fetch_target.port(), secret_file);
    const std::string payload = "&inner;&lol9;&remote;&local;";
    auto started = std::chrono::steady_clock::now();

    SECTION("Create reply: the ShellId is never the entities' values") {
        auto id = winrm::parse_shell_id(prologue + "<s:Envelope " + ns + "><s:Header/><s:Body><rsp:Shell><rsp:ShellId>" +
                                        payload + "</rsp:ShellId></rsp:Shell></s:Body></s:Envelope>");
        REQUIRE(id.has_value());  // the DOCTYPE is skipped, the rest parses
        CHECK_FALSE(mentions_expansion(*id));
        CHECK(*id == payload);    // entity references stay literal text
    }
    SECTION("Fault: the message a user reads is never the entities' values") {
        auto fault = winrm::parse_fault(prologue + "<s:Envelope " + ns +
                                        "><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code>"
                                        "<s:Reason><s:Text>" + payload + "</s:Text></s:Reason><s:Detail>"
                                        "<f:WSManFault Code=\"5\"><f:Message>" + payload +
                                        "</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>");
        REQUIRE(fault.has_value());
        REQUIRE(fault->has_value());
        CHECK_FALSE(mentions_expansion((*fault)->describe()));
    }
    SECTION("Receive: stream content and exit code never come from entities") {
        auto chunk = winrm::parse_receive(prologue + "<s:Envelope " + ns +
                                          "><s:Body><rsp:ReceiveResponse><rsp:Stream Name=\"stdout\">&inner;</rsp:Stream>"
                                          "<rsp:CommandState State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/"
                                          "shell/CommandState/Done\"><rsp:ExitCode>&inner;</rsp:ExitCode>"
                                          "</rsp:CommandState></rsp:ReceiveResponse></s:Body></s:Envelope>");
        if (chunk) {
            CHECK_FALSE(mentions_expansion(chunk->stdout_bytes));
        }
    }
    std::remove(secret_file.c_str());
    CHECK_FALSE(fetch_target.contacted());
    // Ten levels of "billion laughs" would be 3 GB if expanded; unexpanded it is instant.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}
