// The server's half of NTLM authentication, as a hostile host controls it:
// the WWW-Authenticate value (challenge_token), its base64, and the decoded
// NTLM CHALLENGE that gss_init_sec_context (gss-ntlmssp) parses. The first
// byte picks the path: even -> the bytes are a header value; odd -> the
// bytes are the raw token (so mutations reach the NTLM parser without having
// to keep base64 intact).
#include "transports/winrm/auth_challenge.hpp"
#include "transports/winrm/gss_client.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace {

const fleetmend::secret& password() {
    static const fleetmend::secret p{"Fuzz-Passw0rd!"};
    return p;
}

// A fresh NTLM initiator that has sent its NEGOTIATE, as after leg one.
std::unique_ptr<fleetmend::winrm::gss_client> after_negotiate() {
    fleetmend::winrm::gss_client_options options;
    options.mechanism = fleetmend::winrm::gss_mechanism::ntlm;
    options.target = "HTTP@host.fuzz.example";
    options.user = "FUZZ\\Administrator";
    options.password = &password();
    auto client = fleetmend::winrm::gss_client::create(std::move(options));
    if (!client) std::abort();  // gss-ntlmssp missing: the harness is broken, not the input
    auto first = (*client)->step({});
    if (!first || first->empty()) std::abort();
    return std::move(*client);
}

void feed_challenge(std::string_view token) {
    auto client = after_negotiate();
    auto answer = client->step(token);
    // Whatever the host sent, we either refuse it or answer with an AUTHENTICATE message.
    if (answer && client->established() && answer->empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool raw = (data[0] & 1) != 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if (raw) {
        feed_challenge(rest);
        return 0;
    }
    for (std::string_view scheme : {"Negotiate", "Kerberos"}) {
        auto token = fleetmend::winrm::challenge_token(rest, scheme);
        if (token.size() > fleetmend::winrm::max_challenge_token) std::abort();
        if (token.empty()) continue;
        auto decoded = fleetmend::winrm::base64_decode(token);
        if (!decoded) continue;
        if (fleetmend::winrm::base64_encode(*decoded).size() > token.size() + 3) std::abort();
        if (scheme == "Negotiate") feed_challenge(*decoded);
    }
    return 0;
}
