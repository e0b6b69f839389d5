#pragma once
/// XML text for element content and attribute values, shared by the WinRM
/// client's envelopes and the lab's answers, so both sides quote alike.
#include <string>
#include <string_view>

namespace fleetmend {

/// `&`, `<`, `>`, `"` and `'` as entities; every other byte as it is.
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace fleetmend
