#pragma once
// Helpers for the hardening tests: the encodings a secret could leak in, and
// a scan of text for any of them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::hardening {

/// Standard base64 with padding (RFC 4648), written here so the test does not
/// trust the product's own encoder to find the product's leaks.
inline std::string base64(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63]; out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];  out += alphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const std::uint32_t v = std::uint8_t(bytes[i]) << 16;
        out += alphabet[(v >> 18) & 63]; out += alphabet[(v >> 12) & 63]; out += "==";
    } else if (i + 2 == bytes.size()) {
        const std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
        out += alphabet[(v >> 18) & 63]; out += alphabet[(v >> 12) & 63]; out += alphabet[(v >> 6) & 63]; out += '=';
    }
    return out;
}

/// ASCII to UTF-16LE (the secrets used here are ASCII).
inline std::string utf16le(std::string_view ascii) {
    std::string out;
    for (char c : ascii) { out += c; out += '\0'; }
    return out;
}

/// Every form in which `secret` (for `user`) could leak: as is, base64 (and
/// base64 shifted by one and two bytes, as it would appear inside a longer
/// encoded blob), UTF-16LE, base64 of UTF-16LE, and a Basic credential.
inline std::vector<std::pair<std::string, std::string>> leak_forms(const std::string& secret, const std::string& user) {
    std::vector<std::pair<std::string, std::string>> forms{
        {"plain", secret},
        {"utf16le", utf16le(secret)},
        {"base64(utf16le)", base64(utf16le(secret)).substr(0, 16)},
        {"basic credential", base64(user + ":" + secret)},
    };
    // A base64 run of the secret's middle is stable whatever its alignment in a longer blob.
    for (int shift = 0; shift < 3; ++shift) {
        const std::string encoded = base64(std::string(shift, 'x') + secret);
        forms.emplace_back("base64 shift " + std::to_string(shift), encoded.substr(4, 12));
    }
    return forms;
}

/// Names of the forms of the secret found in `text` (empty: clean).
inline std::vector<std::string> leaks_in(std::string_view text, const std::vector<std::pair<std::string, std::string>>& forms) {
    std::vector<std::string> found;
    for (const auto& [name, form] : forms)
        if (!form.empty() && text.find(form) != std::string_view::npos) found.push_back(name);
    return found;
}

}  // namespace fleetmend::hardening
