// One gss_acquire_cred_with_password per distinct credential while connections use it.
#include "transports/winrm/gss_credential_cache.hpp"

#include "transports/winrm/gss_status.hpp"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

namespace fleetmend::winrm {
namespace {

std::atomic<std::uint64_t> acquisitions{0};

struct name_deleter {
    void operator()(gss_name_t n) const noexcept {
        OM_uint32 minor = 0;
        gss_release_name(&minor, &n);
    }
};
using name_ptr = std::unique_ptr<std::remove_pointer_t<gss_name_t>, name_deleter>;

// A password fingerprint for the cache key: SHA-256 over a random
// per-process salt and the password, so the key never holds the password
// and cannot be compared across processes.
std::string fingerprint(const std::string& password) {
    static const std::array<unsigned char, 16> salt = [] {
        std::array<unsigned char, 16> s{};
        if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) s.fill(0);  // still keyed by password; only unsalted
        return s;
    }();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), salt.data(), salt.size()) != 1 ||
        EVP_DigestUpdate(ctx.get(), password.data(), password.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1)
        return {};  // empty: not cacheable
    return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

using cache_key = std::tuple<int, std::string, std::string>;  // mechanism, user, fingerprint

// One slot per key: its own mutex so that an acquisition (for Kerberos a
// round trip to the KDC) blocks only the hosts that wait for that credential.
struct slot {
    std::mutex mutex;
    std::weak_ptr<shared_credential> credential;
};

struct cache {
    std::mutex mutex;
    std::map<cache_key, std::shared_ptr<slot>> slots;

    std::shared_ptr<slot> slot_for(const cache_key& key) {
        std::lock_guard lock(mutex);
        // Forget slots whose credential every connection has released (a run
        // uses a handful of credentials; this keeps the map that small).
        for (auto it = slots.begin(); it != slots.end();) {
            if (it->first != key && it->second.use_count() == 1 && it->second->credential.expired())
                it = slots.erase(it);
            else
                ++it;
        }
        auto& s = slots[key];
        if (!s) s = std::make_shared<slot>();
        return s;
    }
};

cache& the_cache() {
    static cache c;
    return c;
}

std::expected<std::shared_ptr<shared_credential>, std::string> acquire(const credential_request& request) {
    gss_OID mech = request.spnego ? spnego_oid() : mechanism_oid(request.mechanism);
    OM_uint32 minor = 0;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc user_buffer{request.user.size(), const_cast<char*>(request.user.data())};
    OM_uint32 major = gss_import_name(&minor, &user_buffer, GSS_C_NT_USER_NAME, &name);
    if (GSS_ERROR(major))
        return std::unexpected(describe_gss_status(("bad user name '" + request.user + "'").c_str(), major, minor, mech));
    name_ptr user_name(name);
    gss_OID_set_desc mechs{1, mech};
    // gss-ntlmssp reads the password as a C string: std::string keeps the NUL after it.
    const std::string& revealed = request.password->reveal();
    gss_buffer_desc password{revealed.size(), const_cast<char*>(revealed.c_str())};
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    acquisitions.fetch_add(1, std::memory_order_relaxed);
    major = gss_acquire_cred_with_password(&minor, user_name.get(), &password, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                           &cred, nullptr, nullptr);
    if (GSS_ERROR(major)) {
        std::string what = request.mechanism == gss_mechanism::ntlm
                               ? "cannot get NTLM credentials for '" + request.user + "' (is gss-ntlmssp installed?)"
                               : "cannot get a Kerberos ticket for '" + request.user +
                                     "' (wrong password, unknown user, or no KDC for the realm in krb5.conf)";
        return std::unexpected(describe_gss_status(what.c_str(), major, minor, mech));
    }
    auto shared = std::make_shared<shared_credential>(cred);
    if (request.spnego) {
        // SPNEGO would offer every mechanism it got a credential for; this one only.
        gss_OID_set_desc only{1, mechanism_oid(request.mechanism)};
        major = gss_set_neg_mechs(&minor, cred, &only);
        if (GSS_ERROR(major))
            return std::unexpected(describe_gss_status("SPNEGO cannot negotiate this mechanism", major, minor, mech));
    }
    return shared;
}

// A Kerberos credential carries a TGT that expires (typically after 10 hours);
// a long run on a shared one gets a fresh one before that, not a failure per
// host. (gss-ntlmssp credentials do not expire; they are not asked.)
bool expiring(const shared_credential& credential) {
    constexpr OM_uint32 margin_seconds = 300;
    OM_uint32 minor = 0;
    OM_uint32 lifetime = 0;
    OM_uint32 major = gss_inquire_cred(&minor, static_cast<gss_cred_id_t>(credential.handle()), nullptr, &lifetime,
                                       nullptr, nullptr);
    if (GSS_ERROR(major)) return true;
    return lifetime != GSS_C_INDEFINITE && lifetime < margin_seconds;
}

}  // namespace

shared_credential::~shared_credential() {
    OM_uint32 minor = 0;
    auto cred = static_cast<gss_cred_id_t>(handle_);
    if (cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred);
}

std::expected<std::shared_ptr<shared_credential>, std::string> acquire_shared_credential(
    const credential_request& request) {
    if (request.password == nullptr) return std::unexpected("no password to acquire a credential with");
    auto print = fingerprint(request.password->reveal());
    if (print.empty()) return acquire(request);  // no digest: acquire for this connection alone
    auto s = the_cache().slot_for(
        {static_cast<int>(request.mechanism) * 2 + (request.spnego ? 1 : 0), request.user, std::move(print)});
    std::lock_guard lock(s->mutex);
    if (auto shared = s->credential.lock();
        shared && (request.mechanism == gss_mechanism::ntlm || !expiring(*shared)))
        return shared;
    auto fresh = acquire(request);
    if (fresh) s->credential = *fresh;
    return fresh;
}

std::uint64_t credential_acquisitions() noexcept { return acquisitions.load(std::memory_order_relaxed); }

}  // namespace fleetmend::winrm
