#pragma once
/// The accepting side of one NTLM or Kerberos security context through MIT
/// GSSAPI (gss-ntlmssp provides NTLM and reads NTLM_USER_FILE; Kerberos reads
/// the keytab in KRB5_KTNAME). One object per TCP connection, as Windows
/// authenticates connections, not requests. Not thread-safe; noncopyable.
#include <openssl/x509.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace fleetmend::lab {

class gss_acceptor {
public:
    gss_acceptor();
    ~gss_acceptor();
    gss_acceptor(const gss_acceptor&) = delete;
    gss_acceptor& operator=(const gss_acceptor&) = delete;

    enum class status { continue_needed, complete, failed };
    struct step_result {
        status state = status::failed;
        std::string token;  // to send back (may be empty)
        std::string error;  // GSSAPI's words when failed
    };
    /// Feeds one token from the client (raw NTLMSSP, Kerberos or SPNEGO).
    [[nodiscard]] step_result step(std::string_view token);

    [[nodiscard]] bool complete() const noexcept { return complete_; }
    [[nodiscard]] bool kerberos() const noexcept { return kerberos_; }
    /// The authenticated client, e.g. "LAB\\Administrator".
    [[nodiscard]] const std::string& initiator() const noexcept { return initiator_; }

    /// Sealed message as WinRM frames it: header (signature) and data.
    struct sealed {
        std::string header;
        std::string data;
    };
    /// Unseals what the client sealed; fails on a bad signature.
    [[nodiscard]] std::expected<std::string, std::string> unseal(std::string_view header, std::string_view data);
    /// Seals a response (NTLM: gss_wrap split into 16-byte signature and
    /// ciphertext; Kerberos: gss_wrap_iov HEADER|DATA|PADDING).
    [[nodiscard]] std::expected<sealed, std::string> seal(std::string_view plain);

private:
    struct context_deleter {
        void operator()(void* context) const noexcept;
    };
    std::unique_ptr<void, context_deleter> context_;
    bool complete_ = false;
    bool kerberos_ = false;
    std::string initiator_;
};

/// Channel bindings for the acceptors of one TLS connection: while an object
/// of this type lives, every gss_acceptor::step on the same thread passes
/// "tls-server-end-point:<hash>" (RFC 5929) to gss_accept_sec_context, so an
/// NTLM client whose AUTHENTICATE carries other bindings is refused, as a
/// Windows host with CbtHardeningLevel=Strict refuses it. lab_server sets one
/// around each HTTPS request; plain HTTP has no channel to bind to.
class channel_binding_scope {
public:
    explicit channel_binding_scope(std::string end_point_hash);
    ~channel_binding_scope();
    channel_binding_scope(const channel_binding_scope&) = delete;
    channel_binding_scope& operator=(const channel_binding_scope&) = delete;

private:
    std::string application_data_;
    const std::string* previous_;
};

/// RFC 5929 tls-server-end-point hash of a certificate: its signature's hash
/// algorithm, or SHA-256 when that is MD5 or SHA-1. Empty on failure.
[[nodiscard]] std::string tls_server_end_point(X509* certificate);

/// One line of gss-ntlmssp's NTLM_USER_FILE for the lab account. It carries the
/// NT hash (smbpasswd form) rather than the password, so gss-ntlmssp does not
/// derive it again at every logon (in 1.2 that builds a fresh OpenSSL library
/// context with the legacy provider per logon, a third of the lab's CPU at
/// scale). Falls back to DOMAIN:USER:PASSWORD when MD4 is unavailable.
[[nodiscard]] std::string ntlm_user_file_line(const std::string& domain, const std::string& user,
                                              const std::string& password);

/// Points gss-ntlmssp at the lab's user file and MIT krb5 at a keytab; must
/// run before the first GSSAPI call of the process (they read the environment).
void configure_gss_environment(const std::string& ntlm_user_file, const std::string& keytab);

}  // namespace fleetmend::lab
