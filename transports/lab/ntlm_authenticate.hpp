#pragma once
/// Reading one field of an NTLM AUTHENTICATE message (MS-NLMP 2.2.1.3) the
/// lab needs and gss-ntlmssp does not expose: whether the NTLMv2 response
/// carries channel bindings (MsvAvChannelBindings, a non-zero 16-byte hash).
/// A host with CbtHardeningLevel=Strict refuses a logon without them; gss-ntlmssp
/// 1.2 only refuses bindings that differ (Relaxed). Hand-written: no library
/// parses this field. Pure, bounded by the input.
#include <optional>
#include <string_view>

namespace fleetmend::lab {

/// nullopt when the token is not an NTLMv2 AUTHENTICATE; else whether it
/// carries non-zero channel bindings.
[[nodiscard]] std::optional<bool> ntlm_authenticate_has_channel_bindings(std::string_view token);

}  // namespace fleetmend::lab
