#pragma once
/// When an output pattern does not match, the message names the line that
/// was meant to match ("Type : client" for 'Type\s*:\s*disabled'), so an
/// admin reads what the host said instead of decoding the regex.
#include <string>

namespace fleetmend {

/// The line of `text` that matches the longest leading piece of the regex
/// `pattern_text` (Perl syntax, as the playbook loader compiles it): the
/// place the host's answer departed from the expectation. Falls back to the
/// last non-empty line; empty when `text` has none. Bounded to 200 bytes.
[[nodiscard]] std::string line_meant_to_match(const std::string& text, const std::string& pattern_text);

/// The last non-empty line of `text` (trailing blanks cut), bounded to 200
/// bytes; empty when there is none.
[[nodiscard]] std::string last_line(const std::string& text);

}  // namespace fleetmend
