#pragma once
/// The accepting side of one NTLM or Kerberos security context through MIT
/// GSSAPI (gss-ntlmssp provides NTLM and reads NTLM_USER_FILE; Kerberos reads
/// the keytab in KRB5_KTNAME). One object per TCP connection, as Windows
/// authenticates connections, not requests. Not thread-safe; noncopyable.
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

/// Points gss-ntlmssp at the lab's user file and MIT krb5 at a keytab; must
/// run before the first GSSAPI call of the process (they read the environment).
void configure_gss_environment(const std::string& ntlm_user_file, const std::string& keytab);

}  // namespace fleetmend::lab
