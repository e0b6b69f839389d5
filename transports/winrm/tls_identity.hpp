#pragma once
/// Which names a WinRM host's HTTPS certificate may be valid for, and the
/// words for a certificate that is not: the name the user pointed at (the
/// inventory name, or the address dialed), or only `winrm.tls_server_name`
/// when it is set, as pywinrm, Ansible and browsers check the name they dial.
/// The name lists are pure; the certificate checks read an X509 only.
#include "transports/transport.hpp"

#include <openssl/x509.h>

#include <string>
#include <vector>

namespace fleetmend::winrm {

/// The names a certificate may hold for these settings (any one suffices),
/// without duplicates: tls_server_name alone when set, else the inventory
/// name and the address (DNS name or IP literal).
[[nodiscard]] std::vector<std::string> accepted_tls_names(const connection_settings& settings);

/// The name sent as SNI: the first accepted name that is not an IP literal
/// (TLS carries no IP in SNI); empty when there is none.
[[nodiscard]] std::string sni_name(const std::vector<std::string>& names);

[[nodiscard]] bool is_ip_literal(const std::string& name);

/// True when the certificate is valid for one of the names (DNS SAN or IP SAN,
/// wildcards as RFC 6125 allows; the subject CN only when it has no DNS SAN).
[[nodiscard]] bool certificate_matches(X509* certificate, const std::vector<std::string>& names);

/// The names a certificate holds, as "DNS:a, IP:1.2.3.4" (the CN when it has no SAN).
[[nodiscard]] std::string certificate_names(X509* certificate);

/// The sentence for a certificate valid for none of the names.
[[nodiscard]] std::string name_mismatch_message(const std::string& where, const std::vector<std::string>& names,
                                                const std::string& held, bool explicit_name);

/// What to change on the host (or in the inventory) for an OpenSSL
/// verification error code (X509_V_ERR_*); empty for codes without advice.
[[nodiscard]] std::string certificate_error_hint(int x509_error, const std::string& not_after);

}  // namespace fleetmend::winrm
