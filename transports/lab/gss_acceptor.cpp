#include "transports/lab/gss_acceptor.hpp"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "transports/encoding/utf16le.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/provider.h>

#include <cstdlib>
#include <cstring>

namespace fleetmend::lab {
namespace {

// The bindings of the TLS connection whose request this thread is answering
// (set by channel_binding_scope); null over plain HTTP.
thread_local const std::string* current_bindings = nullptr;

gss_OID_desc krb5_oid{9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};

std::string gss_words(OM_uint32 major, OM_uint32 minor) {
    std::string out;
    const auto append = [&out](OM_uint32 code, int type) {
        OM_uint32 context = 0;
        do {
            OM_uint32 status = 0;
            gss_buffer_desc text{0, nullptr};
            gss_display_status(&status, code, type, GSS_C_NO_OID, &context, &text);
            if (!out.empty()) out += "; ";
            out.append(static_cast<const char*>(text.value), text.length);
            gss_release_buffer(&status, &text);
        } while (context != 0);
    };
    append(major, GSS_C_GSS_CODE);
    if (minor != 0) append(minor, GSS_C_MECH_CODE);
    return out;
}

struct buffer_owner {
    gss_buffer_desc buffer{0, nullptr};
    ~buffer_owner() {
        OM_uint32 minor = 0;
        gss_release_buffer(&minor, &buffer);
    }
    [[nodiscard]] std::string text() const { return {static_cast<const char*>(buffer.value), buffer.length}; }
};

}  // namespace

void gss_acceptor::context_deleter::operator()(void* context) const noexcept {
    OM_uint32 minor = 0;
    auto handle = static_cast<gss_ctx_id_t>(context);
    gss_delete_sec_context(&minor, &handle, GSS_C_NO_BUFFER);
}

gss_acceptor::gss_acceptor() = default;
gss_acceptor::~gss_acceptor() = default;

gss_acceptor::step_result gss_acceptor::step(std::string_view token) {
    OM_uint32 minor = 0;
    gss_ctx_id_t handle = static_cast<gss_ctx_id_t>(context_.release());
    gss_buffer_desc input{token.size(), const_cast<char*>(token.data())};
    gss_name_t client = GSS_C_NO_NAME;
    gss_OID mech = GSS_C_NO_OID;
    buffer_owner output;
    gss_channel_bindings_struct bindings{};
    if (current_bindings != nullptr) {
        bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
        bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
        bindings.application_data = {current_bindings->size(), const_cast<char*>(current_bindings->data())};
    }
    const OM_uint32 major = gss_accept_sec_context(&minor, &handle, GSS_C_NO_CREDENTIAL, &input,
                                                   current_bindings != nullptr ? &bindings : GSS_C_NO_CHANNEL_BINDINGS,
                                                   &client, &mech, &output.buffer, nullptr, nullptr, nullptr);
    context_.reset(handle);
    step_result result;
    result.token = output.text();
    if (GSS_ERROR(major)) {
        result.error = gss_words(major, minor);
        context_.reset();
        complete_ = false;
        return result;
    }
    if (major & GSS_S_CONTINUE_NEEDED) {
        result.state = status::continue_needed;
    } else {
        result.state = status::complete;
        complete_ = true;
        kerberos_ = mech != GSS_C_NO_OID && mech->length == krb5_oid.length &&
                    std::memcmp(mech->elements, krb5_oid.elements, krb5_oid.length) == 0;
        buffer_owner name;
        if (client != GSS_C_NO_NAME && gss_display_name(&minor, client, &name.buffer, nullptr) == GSS_S_COMPLETE)
            initiator_ = name.text();
    }
    if (client != GSS_C_NO_NAME) gss_release_name(&minor, &client);
    return result;
}

std::expected<std::string, std::string> gss_acceptor::unseal(std::string_view header, std::string_view data) {
    if (!complete_) return std::unexpected("no security context on this connection");
    OM_uint32 minor = 0;
    auto handle = static_cast<gss_ctx_id_t>(context_.get());
    if (kerberos_) {
        std::string work(header);
        work += data;
        gss_iov_buffer_desc iov[2]{};
        iov[0].type = GSS_IOV_BUFFER_TYPE_STREAM;
        iov[0].buffer = {work.size(), work.data()};
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        int conf = 0;
        const OM_uint32 major = gss_unwrap_iov(&minor, handle, &conf, nullptr, iov, 2);
        if (GSS_ERROR(major)) return std::unexpected(gss_words(major, minor));
        return std::string(static_cast<const char*>(iov[1].buffer.value), iov[1].buffer.length);
    }
    std::string token(header);
    token += data;
    gss_buffer_desc input{token.size(), token.data()};
    buffer_owner output;
    int conf = 0;
    const OM_uint32 major = gss_unwrap(&minor, handle, &input, &output.buffer, &conf, nullptr);
    if (GSS_ERROR(major)) return std::unexpected(gss_words(major, minor));
    return output.text();
}

std::expected<gss_acceptor::sealed, std::string> gss_acceptor::seal(std::string_view plain) {
    if (!complete_) return std::unexpected("no security context on this connection");
    OM_uint32 minor = 0;
    auto handle = static_cast<gss_ctx_id_t>(context_.get());
    if (kerberos_) {
        std::string data(plain);
        gss_iov_buffer_desc iov[3]{};
        iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[1].buffer = {data.size(), data.data()};
        iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
        int conf = 0;
        const OM_uint32 major = gss_wrap_iov(&minor, handle, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
        if (GSS_ERROR(major)) return std::unexpected(gss_words(major, minor));
        sealed out;
        out.header.assign(static_cast<const char*>(iov[0].buffer.value), iov[0].buffer.length);
        out.data = data;
        out.data.append(static_cast<const char*>(iov[2].buffer.value), iov[2].buffer.length);
        gss_release_iov_buffer(&minor, iov, 3);
        return out;
    }
    gss_buffer_desc input{plain.size(), const_cast<char*>(plain.data())};
    buffer_owner output;
    int conf = 0;
    const OM_uint32 major = gss_wrap(&minor, handle, 1, GSS_C_QOP_DEFAULT, &input, &conf, &output.buffer);
    if (GSS_ERROR(major)) return std::unexpected(gss_words(major, minor));
    const std::string token = output.text();
    if (token.size() < 16) return std::unexpected("gss_wrap returned a token shorter than a signature");
    return sealed{token.substr(0, 16), token.substr(16)};
}

channel_binding_scope::channel_binding_scope(std::string end_point_hash)
    : application_data_("tls-server-end-point:" + std::move(end_point_hash)), previous_(current_bindings) {
    current_bindings = &application_data_;
}

channel_binding_scope::~channel_binding_scope() { current_bindings = previous_; }

std::string tls_server_end_point(X509* certificate) {
    if (certificate == nullptr) return {};
    int md_nid = NID_undef;
    const EVP_MD* md = EVP_sha256();
    if (X509_get_signature_info(certificate, &md_nid, nullptr, nullptr, nullptr) == 1 && md_nid != NID_md5 &&
        md_nid != NID_sha1 && md_nid != NID_undef)
        if (const EVP_MD* own = EVP_get_digestbynid(md_nid)) md = own;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, md, digest, &length) != 1) return {};
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string ntlm_user_file_line(const std::string& domain, const std::string& user, const std::string& password) {
    // NT hash = MD4(UTF-16LE(password)); MD4 lives in OpenSSL 3's legacy provider,
    // loaded here into a private library context for this one digest.
    std::unique_ptr<OSSL_LIB_CTX, decltype(&OSSL_LIB_CTX_free)> libctx(OSSL_LIB_CTX_new(), &OSSL_LIB_CTX_free);
    OSSL_PROVIDER* legacy = libctx ? OSSL_PROVIDER_load(libctx.get(), "legacy") : nullptr;
    EVP_MD* md4 = legacy ? EVP_MD_fetch(libctx.get(), "MD4", nullptr) : nullptr;
    std::string line;
    const std::string unicode = encoding::utf8_to_utf16le(password);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (md4 != nullptr && EVP_Digest(unicode.data(), unicode.size(), digest, &length, md4, nullptr) == 1 && length == 16) {
        static constexpr char hex[] = "0123456789ABCDEF";
        std::string nt;
        for (unsigned i = 0; i < length; ++i) {
            nt += hex[digest[i] >> 4];
            nt += hex[digest[i] & 15];
        }
        // smbpasswd form DOMAIN\USER:UID:LM:NT:FLAGS:LCT; the LM field is ignored at
        // the default LM compatibility level 3 (NTLMv2 only).
        line = domain + "\\" + user + ":0:" + std::string(32, '0') + ":" + nt + ":[U          ]:LCT-00000000:\n";
    } else {
        line = domain + ":" + user + ":" + password + "\n";  // gss-ntlmssp hashes it itself, per logon
    }
    if (md4 != nullptr) EVP_MD_free(md4);
    if (legacy != nullptr) OSSL_PROVIDER_unload(legacy);
    return line;
}

void configure_gss_environment(const std::string& ntlm_user_file, const std::string& keytab) {
    if (!ntlm_user_file.empty()) ::setenv("NTLM_USER_FILE", ntlm_user_file.c_str(), 1);
    if (!keytab.empty()) ::setenv("KRB5_KTNAME", keytab.c_str(), 1);
}

}  // namespace fleetmend::lab
