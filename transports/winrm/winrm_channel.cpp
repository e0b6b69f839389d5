// Authentication and sealing over one keep-alive HTTP connection.
#include "transports/winrm/winrm_channel.hpp"

#include "transports/winrm/auth_challenge.hpp"
#include "transports/winrm/gss_client.hpp"
#include "transports/winrm/sealed_body.hpp"
#include "transports/winrm/tls_identity.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <spdlog/spdlog.h>

#include <cctype>

namespace fleetmend::winrm {
namespace {

constexpr std::string_view soap_content_type = "application/soap+xml;charset=UTF-8";
constexpr std::string_view certificate_authorization =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual";
constexpr int max_auth_legs = 4;

std::string excerpt(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, 300)) out += (c == '\r' || c == '\n') ? ' ' : (std::isprint(static_cast<unsigned char>(c)) ? c : '.');
    return out;
}

const char* auth_name(winrm_auth auth) {
    switch (auth) {
        case winrm_auth::ntlm: return "ntlm";
        case winrm_auth::kerberos: return "kerberos";
        case winrm_auth::negotiate: return "negotiate";
        case winrm_auth::basic: return "basic";
        case winrm_auth::certificate: return "certificate";
    }
    return "?";
}

}  // namespace

bool is_local_non_builtin_account(const std::string& user, const std::string& host_name) {
    if (user.find('@') != std::string::npos) return false;  // user@domain: a domain account
    const auto slash = user.find('\\');
    const auto upper = [](std::string text) {
        for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return text;
    };
    if (slash != std::string::npos) {
        const std::string domain = upper(user.substr(0, slash));
        const std::string machine = upper(host_name.substr(0, host_name.find('.')));
        if (domain != "." && domain != machine) return false;  // DOMAIN\user
    }
    // The built-in Administrator (RID 500) keeps its full token over the network.
    return upper(user.substr(slash == std::string::npos ? 0 : slash + 1)) != "ADMINISTRATOR";
}

std::string credentials_rejected_hint(winrm_auth auth, const connection_settings& s) {
    switch (auth) {
        case winrm_auth::ntlm:
        case winrm_auth::negotiate: {
            std::string hint;
            if (is_local_non_builtin_account(s.user, s.host_name))
                hint = "'" + s.user +
                       "' is a local account other than the built-in Administrator: UAC remote restrictions give "
                       "it a filtered token over the network, which WinRM refuses, unless the host sets "
                       "LocalAccountTokenFilterPolicy=1 (reg add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion"
                       "\\Policies\\System /v LocalAccountTokenFilterPolicy /t REG_DWORD /d 1 /f) or it uses a domain "
                       "account; else ";
            hint += "check the password and the account form (DOMAIN\\user or user@domain); a local administrator "
                    "other than the built-in Administrator needs LocalAccountTokenFilterPolicy=1 on the host";
            if (auth == winrm_auth::ntlm)
                hint += "; a host or domain that restricts NTLM (policy \"Network security: Restrict NTLM\") "
                        "accepts only Kerberos: use auth = \"negotiate\" or \"kerberos\" with the host's FQDN and "
                        "its SPN HTTP/<fqdn>";
            if (s.winrm.scheme == winrm_scheme::https)
                hint += "; a host with CbtHardeningLevel=Strict refuses channel bindings that do not match its "
                        "certificate (fleetmend sends them for the certificate it sees: a TLS-inspecting proxy "
                        "in between breaks them; route around it or set winrm set winrm/config/service/auth "
                        "@{CbtHardeningLevel=\"Relaxed\"})";
            return hint;
        }
        case winrm_auth::kerberos:
            return "Kerberos needs the host's FQDN (not an IP; the service asked for was '" + default_target(s) +
                   "'), an SPN HTTP/<fqdn> registered in the realm (or set spn, or tls_server_name to the FQDN), "
                   "the realm in krb5.conf, "
                   "and clocks within 5 minutes";
        case winrm_auth::basic:
            if (s.winrm.scheme == winrm_scheme::http)
                return "the host refuses Basic over plain HTTP: AllowUnencrypted=false is Windows' default (and "
                       "Basic is off); use auth = \"ntlm\" or \"kerberos\" (they seal HTTP) or scheme = \"https\", "
                       "or, not recommended, on the host: winrm set winrm/config/service @{AllowUnencrypted=\"true\"} "
                       "and winrm set winrm/config/service/auth @{Basic=\"true\"}";
            return "Basic is off on Windows by default (winrm set winrm/config/service/auth @{Basic=\"true\"}), "
                   "accepts only local accounts (not DOMAIN\\user), and the password may be wrong";
        case winrm_auth::certificate:
            return "the client certificate must be mapped to a local account on the host "
                   "(winrm create winrm/config/service/certmapping) and Certificate auth enabled";
    }
    return {};
}

std::string default_target(const connection_settings& s) {
    if (!s.winrm.spn.empty()) return s.winrm.spn;
    return "HTTP@" + (s.winrm.tls_server_name.empty() ? s.host_name : s.winrm.tls_server_name);
}

struct winrm_channel::state {
    connection_settings settings;
    transport_stats& stats;
    http_connection connection;
    std::unique_ptr<gss_client> gss;     // NTLM or Kerberos context of the current connection
    std::string scheme;                  // "Negotiate" or "Kerberos"
    std::string protocol;                // sealed body protocol over plain HTTP
    bool seal = false;
    bool authenticated = false;

    state(const connection_settings& s, transport_stats& st)
        : settings(s),
          stats(st),
          connection(s.host_name, s.address.empty() ? s.host_name : s.address, port_of(s),
                     tls_options{s.winrm.scheme == winrm_scheme::https, s.winrm.ca_file, s.winrm.insecure,
                                 s.winrm.auth == winrm_auth::certificate ? s.winrm.cert_file : std::string{},
                                 s.winrm.auth == winrm_auth::certificate ? s.winrm.key_file : std::string{},
                                 accepted_tls_names(s), !s.winrm.tls_server_name.empty()},
                     s.open_stream) {}

    static std::uint16_t port_of(const connection_settings& s) {
        if (s.port != 0) return s.port;
        return s.winrm.scheme == winrm_scheme::https ? 5986 : 5985;
    }
    bool https() const { return settings.winrm.scheme == winrm_scheme::https; }
    std::string host() const { return settings.host_name; }

    transport_error rejected(winrm_auth auth, const std::string& detail = {}) const {
        std::string message = "credentials for '" + settings.user + "' rejected by " + host() + " (auth " +
                              auth_name(auth) + ")";
        if (!detail.empty()) message += ": " + detail;
        return {error_kind::auth, message + ". Likely: " + credentials_rejected_hint(auth, settings)};
    }

    std::expected<void, transport_error> check_settings() const {
        const auto& w = settings.winrm;
        if (w.auth == winrm_auth::basic && !https() && !w.allow_unencrypted)
            return std::unexpected(transport_error{
                error_kind::config,
                host() + ": Basic over plain HTTP would send the password and every command in clear text; use "
                         "scheme = \"https\", or auth = \"ntlm\"/\"kerberos\" (they seal HTTP), or set "
                         "allow_unencrypted = true if the host really allows it (AllowUnencrypted=true)"});
        if (w.auth == winrm_auth::certificate && !https())
            return std::unexpected(transport_error{error_kind::config,
                                                   host() + ": certificate auth works only over HTTPS (scheme = \"https\")"});
        if (w.auth == winrm_auth::certificate && w.cert_file.empty())
            return std::unexpected(transport_error{error_kind::config,
                                                   host() + ": auth = \"certificate\" needs cert_file (and key_file)"});
        if ((w.auth == winrm_auth::ntlm || w.auth == winrm_auth::basic) && settings.user.empty())
            return std::unexpected(transport_error{error_kind::config, host() + ": auth = \"" + auth_name(w.auth) +
                                                                          "\" needs a user"});
        return {};
    }

    http_request empty_post(const std::string& authorization) const {
        http_request request;
        request.target = settings.winrm.path;
        request.headers = {{"Content-Type", std::string(soap_content_type)}, {"Authorization", authorization}};
        return request;
    }

    // One GSSAPI handshake on the current connection. Returns auth errors for rejections.
    std::expected<void, transport_error> gss_handshake(gss_mechanism mechanism, std::string scheme_name,
                                                       winrm_auth shown_as, deadline until, bool spnego = false) {
        gss_client_options options;
        options.mechanism = mechanism;
        options.spnego = spnego;
        options.target = default_target(settings);
        options.user = settings.user;
        options.password = settings.password.empty() ? nullptr : &settings.password;
        if (https()) options.end_point_hash = connection.server_end_point_hash();
        auto client = gss_client::create(std::move(options));
        if (!client) return std::unexpected(transport_error{error_kind::auth, host() + ": " + client.error()});
        auto token = (*client)->step({});
        if (!token) return std::unexpected(transport_error{error_kind::auth, host() + ": " + token.error()});

        for (int leg = 0; leg < max_auth_legs; ++leg) {
            auto response = connection.post(empty_post(scheme_name + " " + base64_encode(*token)), until);
            if (!response) return std::unexpected(response.error());
            // Hosts answer a Kerberos-scheme request under either scheme name.
            auto challenge = response->header("www-authenticate");
            auto server_token = challenge_token(challenge, scheme_name);
            if (server_token.empty()) server_token = challenge_token(challenge, scheme_name == "Kerberos" ? "Negotiate" : "Kerberos");
            if (response->status == 401) {
                if (server_token.empty() || (*client)->established()) return std::unexpected(rejected(shown_as));
                // decode_challenge also refuses a malformed NTLM CHALLENGE, saying what is wrong with it.
                auto decoded = decode_challenge(server_token);
                if (!decoded)
                    return std::unexpected(transport_error{error_kind::protocol, host() + ": " + decoded.error()});
                token = (*client)->step(*decoded);
                if (!token) return std::unexpected(rejected(shown_as, token.error()));
                continue;
            }
            if (!(*client)->established() && !server_token.empty()) {
                // Kerberos mutual authentication: the AP-REP rides on the success response.
                auto decoded = decode_challenge(server_token);
                if (!decoded || !(*client)->step(*decoded))
                    return std::unexpected(transport_error{
                        error_kind::auth, host() + " answered with a " + scheme_name +
                                              " token that does not prove its identity (mutual authentication failed)"});
            }
            if (!(*client)->established())
                return std::unexpected(transport_error{error_kind::protocol,
                                                       host() + " ended authentication early (HTTP " +
                                                           std::to_string(response->status) + ")"});
            if (response->status >= 300 && response->status != 400 && response->status != 500)
                return std::unexpected(transport_error{error_kind::protocol,
                                                       host() + " answered HTTP " + std::to_string(response->status) +
                                                           " to authentication: " + excerpt(response->body)});
            gss = std::move(*client);
            this->scheme = scheme_name;
            return {};
        }
        return std::unexpected(transport_error{error_kind::protocol,
                                               host() + " kept challenging after " + std::to_string(max_auth_legs) +
                                                   " authentication legs"});
    }

    std::expected<void, transport_error> authenticate(deadline until) {
        authenticated = false;
        gss.reset();
        seal = false;
        const auto auth = settings.winrm.auth;
        if (auth == winrm_auth::basic || auth == winrm_auth::certificate) {
            // Sent on every request; a rejection shows on the first SOAP reply.
            if (auth == winrm_auth::basic && !https())
                spdlog::warn("{}: Basic over plain HTTP: password and commands travel in clear text", host());
            authenticated = true;
            ++stats.authentications;
            return {};
        }
        std::expected<void, transport_error> done;
        if (auth == winrm_auth::ntlm) {
            done = gss_handshake(gss_mechanism::ntlm, "Negotiate", auth, until);
            protocol = spnego_protocol;
        } else if (auth == winrm_auth::kerberos) {
            done = gss_handshake(gss_mechanism::kerberos, "Kerberos", auth, until);
            protocol = kerberos_protocol;
        } else {
            // Negotiate as Windows offers it: SPNEGO-wrapped Kerberos, then SPNEGO-wrapped NTLM.
            done = gss_handshake(gss_mechanism::kerberos, "Negotiate", winrm_auth::kerberos, until, true);
            protocol = spnego_protocol;
            if (!done && (done.error().kind == error_kind::auth)) {
                spdlog::info("{}: Kerberos did not work ({}); falling back to NTLM", host(), done.error().message);
                if (!connection.is_open()) {
                    if (auto opened = connection.open(until); !opened) return opened;
                    ++stats.connections;
                }
                done = gss_handshake(gss_mechanism::ntlm, "Negotiate", winrm_auth::ntlm, until, true);
            }
        }
        if (!done) return done;
        seal = !https();
        authenticated = true;
        ++stats.authentications;
        return {};
    }

    std::expected<void, transport_error> connect_and_authenticate(deadline until) {
        auto connect_until = std::min(until, clock_type::now() + settings.connect_timeout);
        if (auto opened = connection.open(connect_until); !opened) return opened;
        ++stats.connections;
        return authenticate(until);
    }

    std::expected<std::string, transport_error> unseal_body(const http_response& response) {
        auto sealed = parse_sealed_body(response.body);
        if (!sealed)
            return std::unexpected(transport_error{error_kind::protocol, host() + ": " + sealed.error()});
        auto plain = gss->unseal(sealed->header, sealed->encrypted_data);
        if (!plain) return std::unexpected(transport_error{error_kind::protocol, host() + ": " + plain.error()});
        if (plain->size() != sealed->original_length)
            return std::unexpected(transport_error{
                error_kind::protocol, host() + ": sealed reply is " + std::to_string(plain->size()) +
                                          " bytes but claims Length=" + std::to_string(sealed->original_length) +
                                          " (tampered or truncated)"});
        return std::move(*plain);
    }
};

winrm_channel::winrm_channel(const connection_settings& settings, transport_stats& stats,
                             const std::atomic<bool>* cancelled)
    : state_(std::make_unique<state>(settings, stats)) {
    state_->connection.stop_with(cancelled);
}
winrm_channel::~winrm_channel() = default;

std::string winrm_channel::endpoint() const { return state_->connection.url(state_->settings.winrm.path); }

std::expected<void, transport_error> winrm_channel::open(deadline until) {
    if (auto ok = state_->check_settings(); !ok) return ok;
    return state_->connect_and_authenticate(until);
}

std::expected<soap_reply, transport_error> winrm_channel::exchange(const std::string& soap, deadline until) {
    auto& s = *state_;
    if (!s.connection.is_open() || !s.authenticated) {
        // The host closed the idle connection; NTLM authenticates a connection, so start over.
        if (auto again = s.connect_and_authenticate(until); !again) return std::unexpected(again.error());
    }
    http_request request;
    request.target = s.settings.winrm.path;
    if (s.seal) {
        auto sealed = s.gss->seal(soap);
        if (!sealed) return std::unexpected(transport_error{error_kind::protocol, s.host() + ": " + sealed.error()});
        request.headers.emplace_back("Content-Type", sealed_content_type(s.protocol));
        request.body = frame_sealed_body(sealed_message{s.protocol, soap.size(), std::move(sealed->header),
                                                        std::move(sealed->data)});
    } else {
        request.headers.emplace_back("Content-Type", std::string(soap_content_type));
        request.body = soap;
    }
    if (s.settings.winrm.auth == winrm_auth::basic)
        request.headers.emplace_back("Authorization",
                                     "Basic " + base64_encode(s.settings.user + ":" + s.settings.password.reveal()));
    else if (s.settings.winrm.auth == winrm_auth::certificate)
        request.headers.emplace_back("Authorization", std::string(certificate_authorization));

    auto response = s.connection.post(request, until);
    if (!response) {
        s.authenticated = false;
        return std::unexpected(response.error());
    }
    if (response->status == 401) {
        s.authenticated = false;
        s.connection.close();
        return std::unexpected(s.rejected(s.settings.winrm.auth));
    }
    soap_reply reply{response->status, {}};
    if (response->header("content-type").starts_with("multipart/encrypted") ||
        response->header("content-type").starts_with("multipart/x-multi-encrypted")) {
        if (!s.gss)
            return std::unexpected(transport_error{error_kind::protocol, s.host() + " sent a sealed reply to a clear request"});
        auto plain = s.unseal_body(*response);
        if (!plain) return std::unexpected(plain.error());
        reply.text = std::move(*plain);
    } else if (s.seal && response->status == 200) {
        return std::unexpected(transport_error{error_kind::protocol,
                                               s.host() + " answered a sealed request in clear text; refusing it"});
    } else {
        reply.text = std::move(response->body);
    }
    if (reply.status != 200 && reply.status != 400 && reply.status != 500) {
        std::string hint;
        if (reply.status == 404) hint = " (wrong path? the WS-Man endpoint is normally /wsman)";
        if (reply.status == 415)
            hint = " (the host refuses this content type: unencrypted messages are not allowed; use ntlm or kerberos "
                   "over HTTP, or HTTPS)";
        return std::unexpected(transport_error{error_kind::protocol, s.host() + " answered HTTP " +
                                                                         std::to_string(reply.status) + hint + ": " +
                                                                         excerpt(reply.text)});
    }
    return reply;
}

void winrm_channel::close() noexcept {
    state_->connection.close();
    state_->gss.reset();
    state_->authenticated = false;
}

}  // namespace fleetmend::winrm
