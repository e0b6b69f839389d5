#include "transports/lab/lab_certificates.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace fleetmend::lab {
namespace {

std::string openssl_words(std::string_view what) {
    std::string out(what);
    if (const unsigned long code = ERR_get_error(); code != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        out += ": ";
        out += text;
    }
    return out;
}

pkey_ptr new_key() { return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

x509_ptr new_certificate(std::string_view common_name, EVP_PKEY* key, long days, long start_days = 0) {
    x509_ptr cert(X509_new());
    if (!cert) return nullptr;
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7F;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), start_days * 24 * 3600 - 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), (start_days + days) * 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fleetmend lab"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(std::string(common_name).c_str()),
                               -1, -1, 0);
    return cert;
}

}  // namespace

std::expected<lab_certificates, std::string> lab_certificates::create(std::string_view ca_name) {
    lab_certificates out;
    out.ca_key_ = new_key();
    out.server_key_ = new_key();
    if (!out.ca_key_ || !out.server_key_) return std::unexpected(openssl_words("cannot generate a P-256 key"));
    out.ca_cert_ = new_certificate(ca_name, out.ca_key_.get(), 30);
    if (!out.ca_cert_) return std::unexpected(openssl_words("cannot build the CA certificate"));
    X509_set_issuer_name(out.ca_cert_.get(), X509_get_subject_name(out.ca_cert_.get()));
    if (!add_extension(out.ca_cert_.get(), out.ca_cert_.get(), NID_basic_constraints, "critical,CA:TRUE") ||
        !add_extension(out.ca_cert_.get(), out.ca_cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_extension(out.ca_cert_.get(), out.ca_cert_.get(), NID_subject_key_identifier, "hash"))
        return std::unexpected(openssl_words("cannot add CA extensions"));
    if (X509_sign(out.ca_cert_.get(), out.ca_key_.get(), EVP_sha256()) == 0)
        return std::unexpected(openssl_words("cannot sign the CA certificate"));
    return out;
}

std::expected<x509_ptr, std::string> lab_certificates::issue(std::string_view dns_name, std::string_view ip) const {
    return issue(certificate_request{std::string(dns_name), {std::string(dns_name)}, {std::string(ip)}});
}

std::expected<x509_ptr, std::string> lab_certificates::issue(const certificate_request& request) const {
    // Expired: valid for 30 days, ended yesterday.
    x509_ptr cert = new_certificate(request.common_name, server_key_.get(), 30, request.expired ? -31 : 0);
    if (!cert) return std::unexpected(openssl_words("cannot build a server certificate"));
    X509* issuer = request.self_signed ? cert.get() : ca_cert_.get();
    EVP_PKEY* signer = request.self_signed ? server_key_.get() : ca_key_.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
    std::string san;
    for (const auto& d : request.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const auto& i : request.ips) san += (san.empty() ? "IP:" : ",IP:") + i;
    if ((!san.empty() && !add_extension(cert.get(), issuer, NID_subject_alt_name, san)) ||
        !add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth") ||
        (!request.self_signed && !add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always")))
        return std::unexpected(openssl_words("cannot add server certificate extensions"));
    if (X509_sign(cert.get(), signer, EVP_sha256()) == 0)
        return std::unexpected(openssl_words("cannot sign a server certificate"));
    return cert;
}

std::expected<void, std::string> lab_certificates::write_ca(const std::string& path) const {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "w"), &std::fclose);
    if (!file) return std::unexpected("cannot write " + path + ": check the lab folder is writable");
    if (PEM_write_X509(file.get(), ca_cert_.get()) != 1) return std::unexpected(openssl_words("cannot write the CA"));
    return {};
}

}  // namespace fleetmend::lab
