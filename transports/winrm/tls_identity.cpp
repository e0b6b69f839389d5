// The names an HTTPS certificate is checked against, and what to say when it fails.
#include "transports/winrm/tls_identity.hpp"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace fleetmend::winrm {
namespace {

std::string lower(std::string text) {
    std::ranges::transform(text, text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
    char text[INET6_ADDRSTRLEN] = "?";
    const int length = ASN1_STRING_length(ip);
    const unsigned char* bytes = ASN1_STRING_get0_data(ip);
    if (length == 4) inet_ntop(AF_INET, bytes, text, sizeof text);
    else if (length == 16) inet_ntop(AF_INET6, bytes, text, sizeof text);
    return text;
}

struct general_names_deleter {
    void operator()(GENERAL_NAMES* names) const noexcept { GENERAL_NAMES_free(names); }
};

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

bool is_ip_literal(const std::string& name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

std::vector<std::string> accepted_tls_names(const connection_settings& settings) {
    if (!settings.winrm.tls_server_name.empty()) return {settings.winrm.tls_server_name};
    std::vector<std::string> names{settings.host_name};
    if (!settings.address.empty() && lower(settings.address) != lower(settings.host_name))
        names.push_back(settings.address);
    return names;
}

std::string sni_name(const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (!is_ip_literal(n)) return n;
    return {};
}

bool certificate_matches(X509* certificate, const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (is_ip_literal(n)) {
            if (X509_check_ip_asc(certificate, n.c_str(), 0) == 1) return true;
        } else if (X509_check_host(certificate, n.data(), n.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1) {
            return true;
        }
    }
    return false;
}

std::string certificate_names(X509* certificate) {
    std::vector<std::string> held;
    std::unique_ptr<GENERAL_NAMES, general_names_deleter> sans(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
        if (name->type == GEN_DNS) {
            const auto* s = name->d.dNSName;
            held.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                                static_cast<std::size_t>(ASN1_STRING_length(s))));
        } else if (name->type == GEN_IPADD) {
            held.push_back("IP:" + ip_text(name->d.iPAddress));
        }
    }
    if (held.empty()) {
        char cn[256] = "";
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, cn, sizeof cn) > 0)
            held.push_back("CN=" + std::string(cn) + " (no subjectAltName)");
    }
    return held.empty() ? "no names" : joined(held);
}

std::string name_mismatch_message(const std::string& where, const std::vector<std::string>& names,
                                  const std::string& held, bool explicit_name) {
    std::string out = "TLS certificate name mismatch: the certificate of " + where + " is valid for none of the " +
                      "names tried (" + joined(names) + "); it holds " + held + ". ";
    if (explicit_name)
        out += "winrm.tls_server_name names the certificate's name: set it to one the certificate holds";
    else
        out += "Set winrm.tls_server_name to the name the certificate was issued for (it is also sent as SNI), "
               "or reissue the certificate for the name or address you dial";
    return out;
}

std::string certificate_error_hint(int x509_error, const std::string& not_after) {
    switch (x509_error) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "the host's HTTPS listener certificate expired" +
                   (not_after.empty() ? std::string() : " (" + not_after + ")") +
                   ": renew it and bind the new one to the listener "
                   "(winrm set winrm/config/Listener?Address=*+Transport=HTTPS @{CertificateThumbprint=\"<new>\"})";
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "the certificate is not valid yet: check the clocks of this workstation and the host";
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return "the HTTPS listener uses a self-signed certificate (as New-SelfSignedCertificate or a "
                   "quick setup makes): issue one from your CA for the host's name, or put this certificate "
                   "(or its CA) in winrm.ca_file";
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            return "the certificate's CA is not trusted here: set winrm.ca_file to the CA that issued it";
        default:
            return {};
    }
}

}  // namespace fleetmend::winrm
