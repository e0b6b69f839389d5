// The server's half of NTLM authentication, as a hostile host controls it:
// the WWW-Authenticate value (challenge_token), its base64, the NTLM
// CHALLENGE check (decode_challenge) and what passes it, which
// gss_init_sec_context (gss-ntlmssp) parses. The first byte picks the path:
// even -> the bytes are a header value; odd -> the bytes are the raw token,
// sent base64-encoded in a "Negotiate" header (so mutations reach the NTLM
// parser without having to keep base64 intact). Both take the production
// path: header -> challenge_token -> decode_challenge -> gss_client::step.
#include "transports/winrm/auth_challenge.hpp"
#include "transports/winrm/gss_client.hpp"
#include "transports/winrm/ntlm_challenge.hpp"
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

// The path winrm_channel takes with one WWW-Authenticate value.
void feed_header(std::string_view header) {
    for (std::string_view scheme : {"Negotiate", "Kerberos"}) {
        auto token = fleetmend::winrm::challenge_token(header, scheme);
        if (token.size() > fleetmend::winrm::max_challenge_token) std::abort();
        if (token.empty()) continue;
        // A refused CHALLENGE must never decode as base64: callers that only
        // base64-decode the token then refuse it too.
        if (token.front() == fleetmend::winrm::refused_challenge_mark && fleetmend::winrm::base64_decode(token))
            std::abort();
        auto decoded = fleetmend::winrm::decode_challenge(token);
        if (!decoded) continue;
        if (fleetmend::winrm::is_ntlm_message(*decoded) && !fleetmend::winrm::check_ntlm_challenge(*decoded)) std::abort();
        if (fleetmend::winrm::base64_encode(*decoded).size() > token.size() + 3) std::abort();
        if (scheme == "Negotiate") feed_challenge(*decoded);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool raw = (data[0] & 1) != 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if (raw)
        feed_header("Negotiate " + fleetmend::winrm::base64_encode(rest));
    else
        feed_header(rest);
    return 0;
}
