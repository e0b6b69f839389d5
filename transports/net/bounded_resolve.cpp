#include "transports/net/bounded_resolve.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace fleetmend::net {
namespace {

struct addrinfo_list {
    addrinfo* head = nullptr;
    ~addrinfo_list() {
        if (head) ::freeaddrinfo(head);
    }
};

std::vector<resolved_address> copy_out(const addrinfo* list) {
    std::vector<resolved_address> out;
    for (const addrinfo* a = list; a; a = a->ai_next) {
        if (!a->ai_addr || a->ai_addrlen > sizeof(sockaddr_storage)) continue;
        resolved_address r;
        std::memcpy(&r.storage, a->ai_addr, a->ai_addrlen);
        r.length = a->ai_addrlen;
        r.family = a->ai_family;
        r.socktype = a->ai_socktype;
        r.protocol = a->ai_protocol;
        out.push_back(r);
    }
    return out;
}

std::string lookup_failure(int status, int saved_errno) {
    if (status == EAI_SYSTEM) return std::strerror(saved_errno);
    return ::gai_strerror(status);
}

/// One lookup, shared by the thread that runs it and the caller that waits.
/// Whoever lets go last frees it: a caller that gave up leaves it to the
/// thread, which may be in getaddrinfo for minutes more.
struct lookup {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    int status = 0;
    int saved_errno = 0;
    std::vector<resolved_address> addresses;
};

addrinfo hints_for(const resolve_request& request, int flags) {
    addrinfo hints{};
    hints.ai_family = request.family;
    hints.ai_socktype = request.socktype;
    hints.ai_flags = flags;
    return hints;
}

}  // namespace

std::string resolved_address::text() const {
    char host[INET6_ADDRSTRLEN] = "?";
    std::uint16_t port = 0;
    if (family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        return std::string(host) + ":" + std::to_string(port);
    }
    if (family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    return "[" + std::string(host) + "]:" + std::to_string(port);
}

std::expected<std::vector<resolved_address>, resolve_error> resolve_within(const std::string& host,
                                                                           std::uint16_t port, deadline until,
                                                                           const resolve_request& request) {
    const std::string service = std::to_string(port);
    {
        // A literal address: answered at once, without the resolver.
        const addrinfo numeric = hints_for(request, AI_NUMERICHOST | AI_NUMERICSERV);
        addrinfo_list found;
        if (::getaddrinfo(host.c_str(), service.c_str(), &numeric, &found.head) == 0) return copy_out(found.head);
    }
    auto state = std::make_shared<lookup>();
    const addrinfo hints = hints_for(request, AI_NUMERICSERV);
    try {
        // glibc's getaddrinfo_a queues the same lookup on a thread of its
        // own, but a request it cannot cancel must then be kept alive until
        // it ends: a thread that owns its state is the simpler whole.
        std::thread([state, host, service, hints] {
            addrinfo_list found;
            const int status = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found.head);
            const int saved_errno = errno;
            auto addresses = status == 0 ? copy_out(found.head) : std::vector<resolved_address>{};
            const std::lock_guard lock(state->mutex);
            state->status = status;
            state->saved_errno = saved_errno;
            state->addresses = std::move(addresses);
            state->done = true;
            state->finished.notify_all();
        }).detach();
    } catch (const std::system_error& e) {
        return std::unexpected(resolve_error{false, std::string("no thread for the lookup: ") + e.what()});
    }
    std::unique_lock lock(state->mutex);
    for (;;) {
        if (state->done) break;
        if (request.cancelled && request.cancelled->load()) return std::unexpected(resolve_error{true, "cancelled"});
        const auto now = clock_type::now();
        if (now >= until) return std::unexpected(resolve_error{true, "no answer from the DNS server"});
        state->finished.wait_until(lock, std::min(until, now + cancel_poll));
    }
    if (state->status != 0)
        return std::unexpected(resolve_error{false, lookup_failure(state->status, state->saved_errno)});
    if (state->addresses.empty()) return std::unexpected(resolve_error{false, "no address"});
    return std::move(state->addresses);
}

}  // namespace fleetmend::net
