#pragma once
// Settings that reach a simulated host of an sshd_fixture as root with the
// fixture's key and known_hosts; tests change one thing from here.
#include "tests/integration/support/sshd_fixture.hpp"
#include "transports/ssh/ssh_transport.hpp"

namespace fleetmend::test {

inline connection_settings key_settings(const sshd_fixture& sshd, std::size_t host = 0) {
    connection_settings s;
    s.host_name = "win" + std::to_string(host + 1) + ".test";
    s.address = sshd.addresses().at(host);
    s.port = sshd.port();
    s.kind = transport_kind::ssh;
    s.user = sshd.key_user();
    s.connect_timeout = std::chrono::seconds(5);
    s.ssh.identity_file = sshd.user_key().string();
    s.ssh.known_hosts = sshd.known_hosts().string();
    s.ssh.key_policy = host_key_policy::strict;
    return s;
}

inline deadline in(std::chrono::milliseconds d) { return clock_type::now() + d; }

}  // namespace fleetmend::test

#ifdef CATCH_VERSION_MAJOR
namespace fleetmend::test {
/// connect() that fails the test with the transport's own message.
inline void require_connect(transport& t, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto r = t.connect(in(limit));
    if (!r) FAIL("connect failed (kind " << static_cast<int>(r.error().kind) << "): " << r.error().message);
}
}  // namespace fleetmend::test
#endif
