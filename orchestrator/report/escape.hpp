#pragma once
/// Escaping of remote text (command output, error messages, fact values) for
/// each rendering. Remote text is hostile until escaped: it may hold markup,
/// terminal control sequences or bytes that are not UTF-8.
#include <string>
#include <string_view>

namespace fleetmend {

/// Valid UTF-8: every invalid byte becomes U+FFFD.
[[nodiscard]] std::string valid_utf8(std::string_view text);

/// For a terminal: control characters (ESC, CR, BEL, ...) become "\xNN" so
/// output cannot move the cursor or recolour the screen; tab stays.
/// keep_newlines: '\n' passes through (multi-line excerpts).
[[nodiscard]] std::string terminal_safe(std::string_view text, bool keep_newlines = false);

/// For XML 1.0 text and attribute values: & < > " ' escaped, characters XML
/// cannot hold (most C0 controls) become U+FFFD, invalid UTF-8 replaced.
[[nodiscard]] std::string xml_escape(std::string_view text);

/// For HTML text and attribute values (same rules as XML).
[[nodiscard]] std::string html_escape(std::string_view text);

/// For one Markdown table cell or inline text: markup characters are
/// backslash-escaped, < > & become entities, newlines become spaces.
[[nodiscard]] std::string markdown_inline(std::string_view text);

/// A fenced code block that the text cannot close early (the fence is longer
/// than any backtick run inside it).
[[nodiscard]] std::string markdown_code_block(std::string_view text);

/// Cuts to at most max_bytes on a UTF-8 boundary, adding "…" when cut.
[[nodiscard]] std::string shorten(std::string_view text, std::size_t max_bytes);

}  // namespace fleetmend
