#pragma once
/// A GSSAPI initiator for WinRM: NTLM through gss-ntlmssp (raw NTLMSSP tokens)
/// or Kerberos through MIT krb5, plus message sealing the way WinRM frames it.
/// All crypto is the libraries'; this only drives them. Errors carry GSSAPI's
/// own major/minor text. Owns its handles (RAII); not copyable.
#include "transports/secret.hpp"

#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace fleetmend::winrm {

enum class gss_mechanism { ntlm, kerberos };

struct gss_client_options {
    gss_mechanism mechanism = gss_mechanism::ntlm;
    std::string target;           // "HTTP@host" (host-based) or "HTTP/host@REALM" (principal)
    std::string user;             // "DOMAIN\\user", "user@domain"; empty for Kerberos: default ccache
    const secret* password = nullptr;
    std::string end_point_hash;   // tls-server-end-point hash; empty: no channel bindings
    /// Wrap the mechanism in SPNEGO (Negotiate as Windows offers it): MIT's
    /// SPNEGO negotiates exactly `mechanism` (gss_set_neg_mechs).
    bool spnego = false;
};

/// Header and payload of one sealed message (see sealed_body.hpp).
struct sealed_parts {
    std::string header;
    std::string data;
};

class gss_client {
public:
    /// Acquires credentials (with the password when one is given) and prepares the target name.
    [[nodiscard]] static std::expected<std::unique_ptr<gss_client>, std::string> create(gss_client_options options);
    ~gss_client();
    gss_client(const gss_client&) = delete;
    gss_client& operator=(const gss_client&) = delete;

    /// Feeds the acceptor's token (empty at first); returns the token to send (may be empty once established).
    [[nodiscard]] std::expected<std::string, std::string> step(std::string_view server_token);
    [[nodiscard]] bool established() const noexcept;
    /// The mechanism that was negotiated (under SPNEGO: the one inside it).
    [[nodiscard]] gss_mechanism mechanism() const noexcept;

    /// Seals a message: NTLM -> gss_wrap (16-byte signature, ciphertext);
    /// Kerberos -> gss_wrap_iov HEADER|DATA|PADDING.
    [[nodiscard]] std::expected<sealed_parts, std::string> seal(std::string_view plain);
    /// Unseals and verifies a message sealed by the acceptor.
    [[nodiscard]] std::expected<std::string, std::string> unseal(std::string_view header, std::string_view data);

private:
    struct handles;
    explicit gss_client(std::unique_ptr<handles> h);
    std::unique_ptr<handles> h_;
};

}  // namespace fleetmend::winrm
