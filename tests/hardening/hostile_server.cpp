#include "tests/hardening/hostile_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fleetmend::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view soap_head =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\" "
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header/><s:Body>";
constexpr std::string_view soap_tail = "</s:Body></s:Envelope>";

std::string base64(std::string_view in) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string http_ok(std::string_view body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// A 48-byte NTLM CHALLENGE (MS-NLMP 2.2.1.2) with NTLMSSP_TARGET_TYPE_SERVER set
// and TargetNameLen = MaxLen = 0: gss-ntlmssp 1.2 writes through NULL on it.
std::string crashing_ntlm_challenge() {
    std::string m("NTLMSSP\0", 8);
    auto le32 = [&m](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) m += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    le32(2);                                  // MessageType: CHALLENGE
    le32(0), le32(48);                        // TargetName: Len 0, MaxLen 0, Offset 48
    le32(0x00000001 | 0x00000200 | 0x00020000);  // UNICODE | NTLM | TARGET_TYPE_SERVER
    m += std::string(8, '\x5a');              // ServerChallenge
    m += std::string(8, '\0');                // Reserved
    le32(0), le32(48);                        // TargetInfo: empty, Offset 48
    return m;
}

std::string soap(std::string_view body) { return std::string(soap_head) + std::string(body) + std::string(soap_tail); }

}  // namespace

struct hostile_server::impl {
    hostile_behaviour behaviour;
    int listener = -1;
    std::uint16_t port = 0;
    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> sent{0};
    std::atomic<unsigned> requests{0};
    std::atomic<unsigned> receives{0};
    std::thread acceptor;
    std::mutex lock;
    std::vector<int> connections;
    std::vector<std::thread> workers;

    // Writes all of `data`; false when the client went away or we are stopping.
    bool write_all(int fd, std::string_view data) {
        while (!data.empty()) {
            if (stopping) return false;
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::uint64_t>(n);
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // Sleeps up to `d`, waking early when stopping; false when stopping.
    bool pause(std::chrono::milliseconds d) {
        for (auto slept = 0ms; slept < d; slept += 50ms) {
            if (stopping) return false;
            std::this_thread::sleep_for(50ms);
        }
        return !stopping;
    }

    // Reads one request (headers and Content-Length body); empty when the client closed.
    std::string read_request(int fd, std::string& pending) {
        std::size_t header_end;
        while ((header_end = pending.find("\r\n\r\n")) == std::string::npos) {
            if (!read_some(fd, pending)) return {};
        }
        std::size_t length = 0;
        auto at = pending.find("Content-Length:");
        if (at == std::string::npos) at = pending.find("content-length:");
        if (at != std::string::npos && at < header_end) length = std::stoul(pending.substr(at + 15, 20));
        while (pending.size() < header_end + 4 + length)
            if (!read_some(fd, pending)) return {};
        std::string request = pending.substr(0, header_end + 4 + length);
        pending.erase(0, header_end + 4 + length);
        ++requests;
        return request;
    }

    bool read_some(int fd, std::string& into) {
        char buf[16384];
        for (;;) {
            if (stopping) return false;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return false;
            into.append(buf, static_cast<std::size_t>(n));
            return true;
        }
    }

    std::string wsman_reply(const std::string& request) {
        if (request.find("/transfer/Create") != std::string::npos)
            return http_ok(soap("<rsp:Shell><rsp:ShellId>11111111-2222-3333-4444-555555555555</rsp:ShellId></rsp:Shell>"));
        if (request.find("/shell/Command<") != std::string::npos || request.find("/shell/Command\"") != std::string::npos ||
            request.find("CommandLine") != std::string::npos)
            return http_ok(soap("<rsp:CommandResponse><rsp:CommandId>AAAAAAAA-0000-0000-0000-000000000001</rsp:CommandId>"
                                "</rsp:CommandResponse>"));
        if (request.find("/shell/Receive") != std::string::npos) {
            static const std::string chunk = base64(std::string(64 * 1024, 'A'));
            const unsigned n = ++receives;
            std::string body = "<rsp:ReceiveResponse><rsp:Stream Name=\"stdout\" CommandId=\"AAAAAAAA-0000-0000-0000-000000000001\">" +
                               chunk + "</rsp:Stream>";
            if (behaviour == hostile_behaviour::large_stdout && n >= 100)
                body += "<rsp:CommandState CommandId=\"AAAAAAAA-0000-0000-0000-000000000001\" "
                        "State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done\">"
                        "<rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>";
            else
                body += "<rsp:CommandState CommandId=\"AAAAAAAA-0000-0000-0000-000000000001\" "
                        "State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running\"/>";
            return http_ok(soap(body + "</rsp:ReceiveResponse>"));
        }
        // Signal and Delete: an empty, valid answer.
        return http_ok(soap(""));
    }

    void serve(int fd) {
        std::string pending;
        for (;;) {
            auto request = read_request(fd, pending);
            if (request.empty()) return;
            switch (behaviour) {
                case hostile_behaviour::slow_loris_headers: {
                    if (!write_all(fd, "HTTP/1.1 200 OK\r\nX-Slow: ")) return;
                    while (pause(1s))
                        if (!write_all(fd, "a")) return;
                    return;
                }
                case hostile_behaviour::slow_loris_body: {
                    if (!write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 1000000\r\n\r\n<"))
                        return;
                    while (pause(1s))
                        if (!write_all(fd, "a")) return;
                    return;
                }
                case hostile_behaviour::endless_chunked: {
                    if (!write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nTransfer-Encoding: chunked\r\n\r\n"))
                        return;
                    const std::string chunk = "10000\r\n" + std::string(0x10000, 'A') + "\r\n";
                    while (write_all(fd, chunk)) {
                    }
                    return;
                }
                case hostile_behaviour::oversized_headers: {
                    if (!write_all(fd, "HTTP/1.1 200 OK\r\n")) return;
                    const std::string header = "X-Padding: " + std::string(1000, 'h') + "\r\n";
                    for (int i = 0; i < 1100; ++i)
                        if (!write_all(fd, header)) return;
                    write_all(fd, "Content-Length: 0\r\n\r\n");
                    return;
                }
                case hostile_behaviour::oversized_envelope: {
                    if (!write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 268435456\r\n\r\n"))
                        return;
                    const std::string block(1 << 16, 'A');
                    for (int i = 0; i < 4096; ++i)
                        if (!write_all(fd, block)) return;
                    return;
                }
                case hostile_behaviour::malformed_ntlm_challenge: {
                    const std::string answer = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate " +
                                               base64(crashing_ntlm_challenge()) + "\r\nContent-Length: 0\r\n\r\n";
                    if (!write_all(fd, answer)) return;
                    break;
                }
                case hostile_behaviour::endless_stdout:
                case hostile_behaviour::large_stdout:
                    if (!write_all(fd, wsman_reply(request))) return;
                    break;
            }
        }
    }

    void accept_loop() {
        while (!stopping) {
            pollfd p{listener, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            int fd = ::accept(listener, nullptr, nullptr);
            if (fd < 0) continue;
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            std::lock_guard guard(lock);
            connections.push_back(fd);
            workers.emplace_back([this, fd] { serve(fd); });
        }
    }
};

hostile_server::hostile_server(hostile_behaviour behaviour) : impl_(std::make_unique<impl>()) {
    impl_->behaviour = behaviour;
    impl_->listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (impl_->listener < 0 || ::bind(impl_->listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(impl_->listener, 16) != 0 ||
        ::getsockname(impl_->listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("hostile_server: cannot listen on 127.0.0.1");
    impl_->port = ntohs(address.sin_port);
    impl_->acceptor = std::thread([this] { impl_->accept_loop(); });
}

hostile_server::~hostile_server() { stop(); }

std::uint16_t hostile_server::port() const noexcept { return impl_->port; }
std::uint64_t hostile_server::bytes_sent() const noexcept { return impl_->sent; }
unsigned hostile_server::requests() const noexcept { return impl_->requests; }

void hostile_server::stop() noexcept {
    if (impl_->stopping.exchange(true)) return;
    if (impl_->acceptor.joinable()) impl_->acceptor.join();
    std::lock_guard guard(impl_->lock);
    for (int fd : impl_->connections) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : impl_->workers)
        if (t.joinable()) t.join();
    for (int fd : impl_->connections) ::close(fd);
    ::close(impl_->listener);
}

std::uint64_t peak_rss_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

void reset_peak_rss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

}  // namespace fleetmend::test
