#pragma once
/// The lab's own small PKI, made at start with OpenSSL: one CA (written to
/// the lab folder for inventories' ca_file) and one server certificate per
/// HTTPS host (SAN: its name and loopback address), all sharing one P-256 key
/// so that 10,000 hosts start in seconds.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::lab {

struct x509_deleter {
    void operator()(X509* cert) const noexcept { X509_free(cert); }
};
struct pkey_deleter {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

/// What one server certificate holds and how it is made.
struct certificate_request {
    std::string common_name;
    std::vector<std::string> dns_names;  // subjectAltName DNS entries
    std::vector<std::string> ips;        // subjectAltName IP entries
    bool expired = false;                // notAfter a day in the past
    bool self_signed = false;            // signed by its own key, not the lab CA
};

class lab_certificates {
public:
    /// A new CA and server key.
    [[nodiscard]] static std::expected<lab_certificates, std::string> create(std::string_view ca_name);

    /// A server certificate for one host, signed by the CA.
    [[nodiscard]] std::expected<x509_ptr, std::string> issue(std::string_view dns_name, std::string_view ip) const;
    /// A server certificate as the request describes (all share server_key()).
    [[nodiscard]] std::expected<x509_ptr, std::string> issue(const certificate_request& request) const;
    /// Writes the CA certificate (PEM) to path.
    [[nodiscard]] std::expected<void, std::string> write_ca(const std::string& path) const;

    [[nodiscard]] EVP_PKEY* server_key() const noexcept { return server_key_.get(); }
    [[nodiscard]] X509* ca_certificate() const noexcept { return ca_cert_.get(); }

private:
    pkey_ptr ca_key_;
    x509_ptr ca_cert_;
    pkey_ptr server_key_;
};

}  // namespace fleetmend::lab
