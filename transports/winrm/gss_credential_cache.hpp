#pragma once
/// Initiator credentials acquired with a password, shared by every connection
/// of the process that uses the same (mechanism, user, password).
///
/// Why: gss_acquire_cred_with_password is the most expensive step of an NTLM
/// logon with gss-ntlmssp 1.2 (it builds a fresh OpenSSL library context and
/// loads the legacy provider to compute one MD4, ~3.6 M instructions, about a
/// quarter of the client's CPU per host), and for Kerberos it is one AS
/// exchange with the KDC per host. Acquiring once and sharing the handle is
/// safe: gss-ntlmssp copies the credential into each new context on the first
/// gss_init_sec_context call and never writes it afterwards; MIT krb5 locks its
/// credential internally. Every host still authenticates on its own TCP
/// connection with its own security context.
///
/// Secrets: the cache keeps neither the password nor anything printable. Its
/// key holds a SHA-256 of the password under a random per-process salt, and the
/// credential itself (which holds the library's derived keys, as before) is
/// released as soon as the last connection that uses it closes.
#include "transports/secret.hpp"
#include "transports/winrm/gss_client.hpp"

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

namespace fleetmend::winrm {

/// A GSSAPI credential handle (gss_cred_id_t) released by its destructor.
class shared_credential {
public:
    explicit shared_credential(void* handle) noexcept : handle_(handle) {}
    ~shared_credential();
    shared_credential(const shared_credential&) = delete;
    shared_credential& operator=(const shared_credential&) = delete;
    /// The gss_cred_id_t to pass to gss_init_sec_context.
    [[nodiscard]] void* handle() const noexcept { return handle_; }

private:
    void* handle_;
};

/// What an acquisition needs. `user` as written in the inventory (DOMAIN\user,
/// user@domain); for Kerberos the caller has already turned it into a principal.
struct credential_request {
    gss_mechanism mechanism = gss_mechanism::ntlm;
    bool spnego = false;  // an SPNEGO credential that negotiates `mechanism` only
    std::string user;
    const secret* password = nullptr;  // must not be null
};

/// Acquires a credential, or returns the one another live connection of this
/// process acquired for the same mechanism, user and password (a fresh one when
/// the shared one has under 5 minutes left, e.g. a Kerberos TGT). Thread-safe;
/// concurrent callers for the same key wait for one acquisition. A failure is
/// not cached (the next host tries again). The error names the user, never the password.
[[nodiscard]] std::expected<std::shared_ptr<shared_credential>, std::string> acquire_shared_credential(
    const credential_request& request);

/// How many times this process really called gss_acquire_cred_with_password
/// (for tests and the bench: one per distinct credential and run is the goal).
[[nodiscard]] std::uint64_t credential_acquisitions() noexcept;

}  // namespace fleetmend::winrm
