#include "transports/winrm/gss_status.hpp"

#include <gssapi/gssapi_krb5.h>

namespace fleetmend::winrm {
namespace {

// 1.3.6.1.4.1.311.2.2.10, the NTLMSSP mechanism gss-ntlmssp registers.
gss_OID_desc ntlmssp_oid = {10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};

std::string status_text(OM_uint32 code, int type, gss_OID mech) {
    std::string out;
    OM_uint32 context = 0;
    do {
        OM_uint32 minor = 0;
        gss_buffer_desc text{0, nullptr};
        if (GSS_ERROR(gss_display_status(&minor, code, type, mech, &context, &text))) break;
        if (!out.empty()) out += "; ";
        out.append(static_cast<const char*>(text.value), text.length);
        gss_release_buffer(&minor, &text);
    } while (context != 0);
    return out;
}

}  // namespace

gss_OID spnego_oid() noexcept {
    static gss_OID_desc spnego{6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};
    return &spnego;
}

gss_OID mechanism_oid(gss_mechanism mechanism) noexcept {
    return mechanism == gss_mechanism::ntlm ? &ntlmssp_oid : const_cast<gss_OID>(gss_mech_krb5);
}

std::string describe_gss_status(const char* what, OM_uint32 major, OM_uint32 minor, gss_OID mech) {
    std::string out = std::string(what) + ": " + status_text(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
    if (minor != 0) {
        auto detail = status_text(minor, GSS_C_MECH_CODE, mech);
        if (!detail.empty()) out += " (" + detail + ")";
    }
    return out;
}

}  // namespace fleetmend::winrm
