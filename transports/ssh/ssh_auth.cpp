#include "transports/ssh/ssh_auth.hpp"

#include "transports/ssh/ssh_handles.hpp"
#include "transports/ssh/ssh_session_options.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fleetmend::ssh_detail {
namespace {

std::string describe_methods(int methods) {
    std::vector<std::string> names;
    if (methods & SSH_AUTH_METHOD_PUBLICKEY) names.emplace_back("publickey");
    if (methods & SSH_AUTH_METHOD_PASSWORD) names.emplace_back("password");
    if (methods & SSH_AUTH_METHOD_INTERACTIVE) names.emplace_back("keyboard-interactive");
    if (methods & SSH_AUTH_METHOD_HOSTBASED) names.emplace_back("hostbased");
    if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) names.emplace_back("gssapi-with-mic");
    if (names.empty()) return "none";
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

/// The outcome of one method: accepted, refused (try the next), or the
/// connection failed (stop: no other method can work now).
enum class attempt { accepted, refused, broken };

attempt classify(int rc) {
    if (rc == SSH_AUTH_SUCCESS) return attempt::accepted;
    if (rc == SSH_AUTH_ERROR) return attempt::broken;
    return attempt::refused;  // SSH_AUTH_DENIED, SSH_AUTH_PARTIAL
}

attempt try_identity_file(ssh_session session, const std::string& path, std::string& notes) {
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
        notes += "; identity file " + path + " could not be read (missing, or protected by a passphrase: "
                 "load it into ssh-agent instead)";
        return attempt::refused;
    }
    const key_ptr key(raw);
    return classify(ssh_userauth_publickey(session, nullptr, key.get()));
}

attempt try_keyboard_interactive(ssh_session session, const secret& password) {
    int rc = ssh_userauth_kbdint(session, nullptr, nullptr);
    // A server may ask several rounds; answer every hidden prompt with the password.
    for (int round = 0; rc == SSH_AUTH_INFO && round < 4; ++round) {
        const int prompts = ssh_userauth_kbdint_getnprompts(session);
        for (int i = 0; i < prompts; ++i) {
            char echo = 0;
            ssh_userauth_kbdint_getprompt(session, static_cast<unsigned>(i), &echo);
            const char* answer = echo ? "" : password.reveal().c_str();
            if (ssh_userauth_kbdint_setanswer(session, static_cast<unsigned>(i), answer) < 0) {
                return attempt::broken;
            }
        }
        rc = ssh_userauth_kbdint(session, nullptr, nullptr);
    }
    return classify(rc);
}

}  // namespace

std::expected<void, transport_error> authenticate(ssh_session session, const connection_settings& settings) {
    // "none" both probes for the offered methods and lets open servers in.
    int rc = ssh_userauth_none(session, nullptr);
    if (rc == SSH_AUTH_SUCCESS) return {};
    if (rc == SSH_AUTH_ERROR) {
        return std::unexpected(transport_error{error_kind::protocol,
                                               "authentication failed to start: " + libssh_error(session)});
    }
    const int offered = ssh_userauth_list(session, nullptr);
    std::vector<std::string> tried;
    std::string notes;

    auto run_method = [&](const char* label, auto&& fn) -> std::optional<std::expected<void, transport_error>> {
        tried.emplace_back(label);
        switch (fn()) {
            case attempt::accepted:
                spdlog::debug("{}: authenticated by {}", settings.host_name, label);
                return std::expected<void, transport_error>{};
            case attempt::broken:
                return std::expected<void, transport_error>{std::unexpected(transport_error{
                    error_kind::protocol, std::string("connection failed during ") + label +
                                              " authentication: " + libssh_error(session)})};
            case attempt::refused:
                return std::nullopt;
        }
        return std::nullopt;
    };

    const bool has_agent = std::getenv("SSH_AUTH_SOCK") != nullptr;
    if (offered & SSH_AUTH_METHOD_PUBLICKEY) {
        if (!settings.ssh.identity_file.empty()) {
            const std::string path = expand_home(settings.ssh.identity_file);
            if (auto r = run_method("publickey (identity file)",
                                    [&] { return try_identity_file(session, path, notes); }))
                return *r;
            if (has_agent) {
                if (auto r = run_method("publickey (ssh-agent)",
                                        [&] { return classify(ssh_userauth_agent(session, nullptr)); }))
                    return *r;
            }
        } else if (auto r = run_method("publickey (ssh-agent and default keys)", [&] {
                       return classify(ssh_userauth_publickey_auto(session, nullptr, nullptr));
                   })) {
            return *r;
        }
    }
    if (!settings.password.empty()) {
        if (offered & SSH_AUTH_METHOD_PASSWORD) {
            if (auto r = run_method("password", [&] {
                    return classify(ssh_userauth_password(session, nullptr, settings.password.reveal().c_str()));
                }))
                return *r;
        } else if (offered & SSH_AUTH_METHOD_INTERACTIVE) {
            if (auto r = run_method("keyboard-interactive",
                                    [&] { return try_keyboard_interactive(session, settings.password); }))
                return *r;
        }
    } else if (offered & (SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE)) {
        notes += "; no password was configured for this host, so password login was not tried";
    }

    std::string tried_text;
    for (const auto& t : tried) tried_text += (tried_text.empty() ? "" : ", ") + t;
    const std::string user = settings.user.empty() ? "the current user" : "user '" + settings.user + "'";
    return std::unexpected(transport_error{
        error_kind::auth, "authentication as " + user + " was refused: the server offers " +
                              describe_methods(offered) + "; tried " +
                              (tried_text.empty() ? "nothing usable" : tried_text) + notes +
                              ". Check the user name, the key in the server's authorized_keys and the password"});
}

}  // namespace fleetmend::ssh_detail
