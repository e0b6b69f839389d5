#pragma once
// GSSAPI status codes in words, for the WinRM initiator's error messages
// (internal to transports/winrm).
#include "transports/winrm/gss_client.hpp"

#include <gssapi/gssapi.h>

#include <string>

namespace fleetmend::winrm {

/// The OID of gss-ntlmssp's NTLMSSP mechanism or MIT krb5's Kerberos.
[[nodiscard]] gss_OID mechanism_oid(gss_mechanism mechanism) noexcept;
/// SPNEGO (1.3.6.1.5.5.2), MIT's Negotiate mechanism.
[[nodiscard]] gss_OID spnego_oid() noexcept;

/// "<what>: <major text> (<minor text>)", the text GSSAPI and the mechanism give.
[[nodiscard]] std::string describe_gss_status(const char* what, OM_uint32 major, OM_uint32 minor, gss_OID mech);

}  // namespace fleetmend::winrm
