// GSSAPI initiator: MIT krb5 for Kerberos, gss-ntlmssp for NTLM.
#include "transports/winrm/gss_client.hpp"

#include "transports/winrm/gss_credential_cache.hpp"
#include "transports/winrm/gss_status.hpp"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <type_traits>
#include <vector>

namespace fleetmend::winrm {
namespace {

struct name_deleter {
    void operator()(gss_name_t n) const noexcept {
        OM_uint32 minor = 0;
        gss_release_name(&minor, &n);
    }
};
struct context_deleter {
    void operator()(gss_ctx_id_t c) const noexcept {
        OM_uint32 minor = 0;
        gss_delete_sec_context(&minor, &c, GSS_C_NO_BUFFER);
    }
};
using name_ptr = std::unique_ptr<std::remove_pointer_t<gss_name_t>, name_deleter>;
using context_ptr = std::unique_ptr<std::remove_pointer_t<gss_ctx_id_t>, context_deleter>;

// A buffer GSSAPI allocated; released on scope exit.
struct owned_buffer {
    gss_buffer_desc value{0, nullptr};
    owned_buffer() = default;
    owned_buffer(const owned_buffer&) = delete;
    owned_buffer& operator=(const owned_buffer&) = delete;
    ~owned_buffer() {
        OM_uint32 minor = 0;
        if (value.value) gss_release_buffer(&minor, &value);
    }
    [[nodiscard]] std::string str() const { return {static_cast<const char*>(value.value), value.length}; }
};

// The iov buffers gss_wrap_iov allocated (GSS_IOV_BUFFER_FLAG_ALLOCATE); released on scope exit.
struct owned_iov {
    std::vector<gss_iov_buffer_desc> iov;
    ~owned_iov() {
        OM_uint32 minor = 0;
        if (!iov.empty()) gss_release_iov_buffer(&minor, iov.data(), static_cast<int>(iov.size()));
    }
};

gss_buffer_desc view(std::string_view s) {
    return {s.size(), const_cast<char*>(s.data())};
}

std::string describe(const char* what, OM_uint32 major, OM_uint32 minor, gss_OID mech) {
    return describe_gss_status(what, major, minor, mech);
}

// Kerberos wants user@REALM; Windows admins write DOMAIN\user. A NetBIOS
// domain (no dot) is not a realm name, so such a user goes to krb5.conf's
// default_realm; a DNS domain (corp.example.com\user) names the realm.
std::string kerberos_principal(const std::string& user) {
    auto slash = user.find('\\');
    if (slash == std::string::npos) return user;
    std::string realm = user.substr(0, slash);
    if (realm.find('.') == std::string::npos) return user.substr(slash + 1);
    for (auto& c : realm) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return user.substr(slash + 1) + "@" + realm;
}

}  // namespace

struct gss_client::handles {
    gss_client_options options;
    gss_OID mech = GSS_C_NO_OID;
    name_ptr target;
    std::shared_ptr<shared_credential> cred;  // shared with the other connections of this run
    context_ptr context;
    bool established = false;
    gss_mechanism negotiated = gss_mechanism::ntlm;
    std::string bindings_data;
    gss_channel_bindings_struct bindings{};
};

gss_client::gss_client(std::unique_ptr<handles> h) : h_(std::move(h)) {}
gss_client::~gss_client() = default;

std::expected<std::unique_ptr<gss_client>, std::string> gss_client::create(gss_client_options options) {
    auto h = std::make_unique<handles>();
    h->options = std::move(options);
    const auto& o = h->options;
    h->mech = o.spnego ? spnego_oid() : mechanism_oid(o.mechanism);
    h->negotiated = o.mechanism;
    OM_uint32 minor = 0;

    // Target: "HTTP/host@REALM" is a Kerberos principal, anything else a host-based service.
    gss_name_t target = GSS_C_NO_NAME;
    bool principal = o.target.find('/') != std::string::npos;
    auto target_buffer = view(o.target);
    OM_uint32 major = gss_import_name(&minor, &target_buffer,
                                      principal ? const_cast<gss_OID>(GSS_KRB5_NT_PRINCIPAL_NAME)
                                                : GSS_C_NT_HOSTBASED_SERVICE,
                                      &target);
    if (GSS_ERROR(major)) return std::unexpected(describe(("bad service name '" + o.target + "'").c_str(), major, minor, h->mech));
    h->target.reset(target);

    if (!o.user.empty() && o.password != nullptr) {
        // One acquisition per run and credential, not per host (see gss_credential_cache.hpp).
        credential_request request;
        request.mechanism = o.mechanism;
        request.spnego = o.spnego;
        request.user = o.mechanism == gss_mechanism::kerberos ? kerberos_principal(o.user) : o.user;
        request.password = o.password;
        auto cred = acquire_shared_credential(request);
        if (!cred) return std::unexpected(cred.error());
        h->cred = std::move(*cred);
    }
    if (!o.end_point_hash.empty()) {
        h->bindings_data = "tls-server-end-point:" + o.end_point_hash;
        h->bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
        h->bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
        h->bindings.application_data = view(h->bindings_data);
    }
    return std::unique_ptr<gss_client>(new gss_client(std::move(h)));
}

gss_mechanism gss_client::mechanism() const noexcept { return h_->negotiated; }
bool gss_client::established() const noexcept { return h_->established; }

std::expected<std::string, std::string> gss_client::step(std::string_view server_token) {
    auto& h = *h_;
    OM_uint32 minor = 0;
    auto input = view(server_token);
    owned_buffer output;
    OM_uint32 flags = GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
    if (h.options.mechanism == gss_mechanism::kerberos) flags |= GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG;
    gss_ctx_id_t context = h.context.release();
    if (context == nullptr) context = GSS_C_NO_CONTEXT;
    OM_uint32 ret_flags = 0;
    gss_OID actual = GSS_C_NO_OID;
    OM_uint32 major = gss_init_sec_context(&minor, h.cred ? static_cast<gss_cred_id_t>(h.cred->handle()) : GSS_C_NO_CREDENTIAL, &context, h.target.get(),
                                           h.mech, flags, GSS_C_INDEFINITE,
                                           h.bindings_data.empty() ? GSS_C_NO_CHANNEL_BINDINGS : &h.bindings,
                                           server_token.empty() ? GSS_C_NO_BUFFER : &input, &actual, &output.value,
                                           &ret_flags, nullptr);
    if (context != GSS_C_NO_CONTEXT) h.context.reset(context);
    // Under SPNEGO the context seals with the mechanism inside it.
    if (actual != GSS_C_NO_OID && !GSS_ERROR(major))
        h.negotiated = gss_oid_equal(actual, mechanism_oid(gss_mechanism::ntlm)) ? gss_mechanism::ntlm
                                                                                 : gss_mechanism::kerberos;
    if (GSS_ERROR(major)) {
        std::string what = h.options.mechanism == gss_mechanism::ntlm
                               ? "NTLM negotiation failed"
                               : "Kerberos failed for " + h.options.target +
                                     " (Kerberos needs the host's FQDN, not an IP, and an SPN HTTP/<fqdn> in the realm)";
        return std::unexpected(describe(what.c_str(), major, minor, h.mech));
    }
    if (major == GSS_S_COMPLETE) {
        h.established = true;
        if ((ret_flags & GSS_C_CONF_FLAG) == 0)
            return std::unexpected("the security context offers no confidentiality; WinRM over HTTP cannot be sealed");
    }
    return output.str();
}

std::expected<sealed_parts, std::string> gss_client::seal(std::string_view plain) {
    auto& h = *h_;
    if (!h.established) return std::unexpected("cannot seal before authentication completed");
    OM_uint32 minor = 0;
    int conf = 0;
    if (h.negotiated == gss_mechanism::ntlm) {
        auto input = view(plain);
        owned_buffer output;
        OM_uint32 major = gss_wrap(&minor, h.context.get(), 1, GSS_C_QOP_DEFAULT, &input, &conf, &output.value);
        if (GSS_ERROR(major)) return std::unexpected(describe("sealing the request failed", major, minor, h.mech));
        if (!conf) return std::unexpected("NTLM did not encrypt the request");
        auto wrapped = output.str();
        if (wrapped.size() < 16) return std::unexpected("NTLM produced a wrap token shorter than its signature");
        return sealed_parts{wrapped.substr(0, 16), wrapped.substr(16)};
    }
    std::string data(plain);
    owned_iov iov;
    iov.iov.resize(3);
    iov.iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    iov.iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov.iov[1].buffer = view(data);
    iov.iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    OM_uint32 major = gss_wrap_iov(&minor, h.context.get(), 1, GSS_C_QOP_DEFAULT, &conf, iov.iov.data(), 3);
    // DATA points into `data` (not allocated): detach it before owned_iov releases the rest.
    iov.iov[1].buffer = {0, nullptr};
    if (GSS_ERROR(major)) return std::unexpected(describe("sealing the request failed", major, minor, h.mech));
    if (!conf) return std::unexpected("Kerberos did not encrypt the request");
    std::string header(static_cast<const char*>(iov.iov[0].buffer.value), iov.iov[0].buffer.length);
    data.append(static_cast<const char*>(iov.iov[2].buffer.value), iov.iov[2].buffer.length);
    return sealed_parts{std::move(header), std::move(data)};
}

std::expected<std::string, std::string> gss_client::unseal(std::string_view header, std::string_view data) {
    auto& h = *h_;
    if (!h.established) return std::unexpected("cannot unseal before authentication completed");
    OM_uint32 minor = 0;
    int conf = 0;
    if (h.negotiated == gss_mechanism::ntlm) {
        std::string token;
        token.reserve(header.size() + data.size());
        token.append(header).append(data);
        auto input = view(token);
        owned_buffer output;
        OM_uint32 major = gss_unwrap(&minor, h.context.get(), &input, &output.value, &conf, nullptr);
        if (GSS_ERROR(major))
            return std::unexpected(describe("the host's sealed reply did not verify", major, minor, h.mech));
        return output.str();
    }
    std::string header_copy(header);
    std::string plain(data);
    gss_iov_buffer_desc iov[2];
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[0].buffer = view(header_copy);
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer = view(plain);
    OM_uint32 major = gss_unwrap_iov(&minor, h.context.get(), &conf, nullptr, iov, 2);
    if (GSS_ERROR(major))
        return std::unexpected(describe("the host's sealed reply did not verify", major, minor, h.mech));
    plain.resize(iov[1].buffer.length);
    return plain;
}

}  // namespace fleetmend::winrm
