// The NTLM CHALLENGE check that stands between a hostile host and
// gss-ntlmssp: real CHALLENGEs pass, each malformed variant is refused with
// a reason, and through challenge_token/decode_challenge a refused CHALLENGE
// never comes out as bytes for GSSAPI.
#include "transports/encoding/base64.hpp"
#include "transports/winrm/auth_challenge.hpp"
#include "transports/winrm/ntlm_challenge.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using namespace fleetmend::winrm;
using fleetmend::encoding::base64_decode;
using fleetmend::encoding::base64_encode;

namespace {

// Captured from the lab: gss-ntlmssp 1.2's gss_accept_sec_context answering
// fleetmend's NEGOTIATE (TargetName "VM", TargetInfo with NetBIOS and DNS
// names, MsvAvFlags and MsvAvTimestamp), the same bytes as the fuzz corpus'
// raw-ntlm-challenge.bin.
const std::string lab_challenge(
    "\x4e\x54\x4c\x4d\x53\x53\x50\x00\x02\x00\x00\x00\x04\x00\x04\x00\x38\x00\x00\x00\x15\x82\x8a\xe2"
    "\x2c\x56\x2e\x0e\x64\x95\x7b\x57\x00\x00\x00\x00\x00\x00\x00\x00\x42\x00\x42\x00\x3c\x00\x00\x00"
    "\x06\x02\x00\x00\x00\x00\x00\x0f\x56\x00\x4d\x00\x01\x00\x04\x00\x56\x00\x4d\x00\x02\x00\x16\x00"
    "\x57\x00\x4f\x00\x52\x00\x4b\x00\x53\x00\x54\x00\x41\x00\x54\x00\x49\x00\x4f\x00\x4e\x00\x03\x00"
    "\x04\x00\x76\x00\x6d\x00\x06\x00\x04\x00\x00\x00\x00\x00\x07\x00\x08\x00\x18\xaf\x6b\xaa\x60\x7e"
    "\xdd\x01\x00\x00\x00\x00",
    126);

// Windows-shaped: the CHALLENGE of the MS-NLMP 4.2.4.3 example (Version
// present, payload at 56, TargetName "Server", TargetInfo Domain/Server).
const std::string spec_challenge(
    "\x4e\x54\x4c\x4d\x53\x53\x50\x00\x02\x00\x00\x00\x0c\x00\x0c\x00\x38\x00\x00\x00\x33\x82\x8a\xe2"
    "\x01\x23\x45\x67\x89\xab\xcd\xef\x00\x00\x00\x00\x00\x00\x00\x00\x24\x00\x24\x00\x44\x00\x00\x00"
    "\x06\x00\x70\x17\x00\x00\x00\x0f\x53\x00\x65\x00\x72\x00\x76\x00\x65\x00\x72\x00\x02\x00\x0c\x00"
    "\x44\x00\x6f\x00\x6d\x00\x61\x00\x69\x00\x6e\x00\x01\x00\x0c\x00\x53\x00\x65\x00\x72\x00\x76\x00"
    "\x65\x00\x72\x00\x00\x00\x00\x00",
    104);

std::string with16(std::string m, std::size_t at, std::uint16_t v) {
    m[at] = static_cast<char>(v & 0xff);
    m[at + 1] = static_cast<char>(v >> 8);
    return m;
}

std::string with32(std::string m, std::size_t at, std::uint32_t v) {
    return with16(with16(std::move(m), at, static_cast<std::uint16_t>(v & 0xffff)), at + 2,
                  static_cast<std::uint16_t>(v >> 16));
}

// The lab CHALLENGE with its TargetInfo replaced by `info`.
std::string with_target_info(const std::string& info) {
    std::string m = lab_challenge.substr(0, 0x3c) + info;
    m = with16(m, 40, static_cast<std::uint16_t>(info.size()));
    return with16(m, 42, static_cast<std::uint16_t>(info.size()));
}

const std::string nb_name("\x01\x00\x04\x00V\x00M\x00", 8);
const std::string eol("\x00\x00\x00\x00", 4);

std::string refusal(const std::string& message) {
    auto checked = check_ntlm_challenge(message);
    REQUIRE_FALSE(checked.has_value());
    return checked.error();
}

}  // namespace

TEST_CASE("Real NTLM CHALLENGEs pass the check", "[winrm][ntlm][unit]") {
    CHECK(check_ntlm_challenge(lab_challenge).has_value());
    CHECK(check_ntlm_challenge(spec_challenge).has_value());
    // ...and come out of the header unchanged, as the bytes GSSAPI gets.
    const auto header = "Negotiate " + base64_encode(lab_challenge);
    const auto token = challenge_token(header, "Negotiate");
    CHECK(token == base64_encode(lab_challenge));
    CHECK(decode_challenge(token) == lab_challenge);
}

TEST_CASE("Kerberos and SPNEGO tokens are not NTLM and pass through", "[winrm][ntlm][unit]") {
    const std::string ap_rep("\x6f\x81\x87\x30\x81\x84\xa0\x03\x02\x01\x05", 11);  // ASN.1 [APPLICATION 15]
    const std::string spnego("\xa1\x07\x30\x05\xa0\x03\x0a\x01\x00", 9);            // negTokenResp accept-completed
    CHECK_FALSE(is_ntlm_message(ap_rep));
    CHECK(decode_challenge(challenge_token("Kerberos " + base64_encode(ap_rep), "Kerberos")) == ap_rep);
    CHECK(decode_challenge(challenge_token("Negotiate " + base64_encode(spnego), "Negotiate")) == spnego);
}

TEST_CASE("A malformed CHALLENGE header is refused", "[winrm][ntlm][unit]") {
    CHECK_THAT(refusal(lab_challenge.substr(0, 47)), Catch::Contains("shorter than the 48-byte"));
    CHECK_THAT(refusal(lab_challenge.substr(0, 32)), Catch::Contains("shorter"));
    CHECK_THAT(refusal(with32(lab_challenge, 8, 3)), Catch::Contains("MessageType is 3"));
    CHECK_THAT(refusal(with32(lab_challenge, 8, 1)), Catch::Contains("not 2"));
    CHECK_THAT(refusal("NTLMSSQ" + lab_challenge.substr(7)), Catch::Contains("signature"));
}

TEST_CASE("TargetName and TargetInfo fields must lie inside the message", "[winrm][ntlm][unit]") {
    // Offset past the end, offset + length past the end, offset inside the header.
    CHECK_THAT(refusal(with32(lab_challenge, 16, 1000)), Catch::Contains("TargetName (offset 1000"));
    CHECK_THAT(refusal(with32(lab_challenge, 16, 125)), Catch::Contains("outside the 126-byte message"));
    CHECK_THAT(refusal(with32(lab_challenge, 16, 8)), Catch::Contains("overlaps the message header"));
    CHECK_THAT(refusal(with32(lab_challenge, 44, 0xfffffff0)), Catch::Contains("TargetInfo"));
    CHECK_THAT(refusal(with16(with16(lab_challenge, 40, 0xffff), 42, 0xffff)), Catch::Contains("outside"));
    // Len above MaxLen.
    CHECK_THAT(refusal(with16(lab_challenge, 14, 2)), Catch::Contains("exceeds its maximum length"));
    CHECK_THAT(refusal(with16(lab_challenge, 42, 0x10)), Catch::Contains("TargetInfo length 66 exceeds"));
}

TEST_CASE("The CHALLENGE that crashed gss-ntlmssp (target type, empty TargetName) is refused", "[winrm][ntlm][unit]") {
    // Unicode + NTLMSSP_TARGET_TYPE_SERVER + TargetNameLen 0: gss-ntlmssp 1.2
    // wrote through a NULL pointer in gss_init_sec_context.
    const auto crash = with16(with16(lab_challenge, 12, 0), 14, 0);
    CHECK_THAT(refusal(crash), Catch::Contains("TargetName is empty"));
    // The same under TARGET_TYPE_DOMAIN.
    const auto domain = with32(crash, 20, (0xe28a8215u & ~0x00020000u) | 0x00010000u);
    CHECK_THAT(refusal(domain), Catch::Contains("TargetName is empty"));
    // Without a target type an empty TargetName is legal.
    CHECK(check_ntlm_challenge(with32(crash, 20, 0xe28a8215u & ~0x00030000u)).has_value());
    // An odd-length Unicode name.
    CHECK_THAT(refusal(with16(with16(lab_challenge, 12, 3), 14, 3)), Catch::Contains("odd length"));
}

TEST_CASE("TargetInfo must be a well-formed AV_PAIR list ended by MsvAvEOL", "[winrm][ntlm][unit]") {
    CHECK(check_ntlm_challenge(with_target_info(nb_name + eol)).has_value());
    CHECK_THAT(refusal(with_target_info("")), Catch::Contains("TargetInfo is empty"));
    CHECK_THAT(refusal(with_target_info(nb_name)), Catch::Contains("ends before MsvAvEOL"));
    CHECK_THAT(refusal(with_target_info(nb_name + std::string("\x00\x00", 2))), Catch::Contains("ends before MsvAvEOL"));
    CHECK_THAT(refusal(with_target_info(std::string("\x01\x00\x40\x00V\x00M\x00", 8) + eol)),
               Catch::Contains("runs past the end of TargetInfo"));
    CHECK_THAT(refusal(with_target_info(nb_name + std::string("\x00\x00\x02\x00zz", 6))),
               Catch::Contains("MsvAvEOL has a non-zero length"));
    // Fixed-size pairs gss-ntlmssp copies 4 or 8 bytes from whatever their length.
    CHECK_THAT(refusal(with_target_info(nb_name + std::string("\x07\x00\x00\x00", 4) + eol)),
               Catch::Contains("MsvAvTimestamp is 0 bytes, not 8"));
    CHECK_THAT(refusal(with_target_info(nb_name + std::string("\x06\x00\x02\x00\x00\x00", 6) + eol)),
               Catch::Contains("MsvAvFlags is 2 bytes, not 4"));
    CHECK_THAT(refusal(with_target_info(std::string("\x01\x00\x03\x00VxM", 7) + eol)), Catch::Contains("odd number"));
    // Bytes after MsvAvEOL are ignored, as every NTLM implementation does.
    CHECK(check_ntlm_challenge(with_target_info(nb_name + eol + "pad")).has_value());
}

TEST_CASE("A refused CHALLENGE never reaches GSSAPI and the error says what and why", "[winrm][ntlm][unit]") {
    const auto crash = with16(with16(lab_challenge, 12, 0), 14, 0);
    const auto token = challenge_token("Negotiate " + base64_encode(crash), "Negotiate");
    REQUIRE_FALSE(token.empty());
    CHECK(token.front() == refused_challenge_mark);
    // Callers that only base64-decode (before decode_challenge existed) refuse it too.
    CHECK_FALSE(base64_decode(token).has_value());
    auto decoded = decode_challenge(token);
    REQUIRE_FALSE(decoded.has_value());
    CHECK_THAT(decoded.error(), Catch::StartsWith("the host sent a malformed NTLM challenge: it announces a target type"));
    CHECK_THAT(decoded.error(), Catch::EndsWith("it is not a Windows WinRM endpoint or the connection is tampered with"));
    // decode_challenge checks raw base64 too, whoever extracted it.
    auto direct = decode_challenge(base64_encode(crash));
    REQUIRE_FALSE(direct.has_value());
    CHECK_THAT(direct.error(), Catch::Contains("TargetName is empty"));
    CHECK_THAT(decode_challenge("not*base64").error(), Catch::Contains("not base64"));
    // An NTLM NEGOTIATE or AUTHENTICATE sent back by the host is not a CHALLENGE.
    CHECK_FALSE(decode_challenge(base64_encode(with32(lab_challenge, 8, 1))).has_value());
}

namespace {
// DER length: short form below 128, else two bytes.
std::string der(unsigned char tag, const std::string& value) {
    std::string out(1, static_cast<char>(tag));
    if (value.size() < 128) {
        out += static_cast<char>(value.size());
    } else {
        out += '\x82';
        out += static_cast<char>(value.size() >> 8);
        out += static_cast<char>(value.size() & 0xff);
    }
    return out + value;
}

// An SPNEGO NegTokenResp (accept-incomplete, supportedMech NTLMSSP) carrying `inner`.
std::string spnego_answer(const std::string& inner) {
    const std::string state = der(0xa0, der(0x0a, std::string(1, '\x01')));
    const std::string mech = der(0xa1, der(0x06, std::string("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a", 10)));
    return der(0xa1, der(0x30, state + mech + der(0xa2, der(0x04, inner))));
}
}  // namespace

TEST_CASE("An NTLM CHALLENGE inside an SPNEGO answer is checked as a raw one is", "[winrm][ntlm][unit]") {
    const auto good = spnego_answer(lab_challenge);
    CHECK(decode_challenge(challenge_token("Negotiate " + base64_encode(good), "Negotiate")) == good);
    const auto crash = spnego_answer(with16(with16(lab_challenge, 12, 0), 14, 0));
    const auto token = challenge_token("Negotiate " + base64_encode(crash), "Negotiate");
    REQUIRE_FALSE(token.empty());
    CHECK(token.front() == refused_challenge_mark);
    CHECK_THAT(decode_challenge(base64_encode(crash)).error(), Catch::Contains("TargetName is empty"));
    // A truncated SPNEGO answer is no NTLM message: it passes to GSSAPI, which refuses it.
    CHECK(decode_challenge(base64_encode(crash.substr(0, 20))).has_value());
}
