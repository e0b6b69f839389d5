#include "transports/winrm/sealed_body.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend::winrm;

namespace {
std::string le32(std::uint32_t v) {
    std::string s;
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return s;
}
}  // namespace

TEST_CASE("sealed body has the exact MS-WSMV framing Windows expects", "[winrm][unit]") {
    sealed_message m{std::string(spnego_protocol), 5, std::string(16, '\x01'), "ABCDE"};
    auto body = frame_sealed_body(m);
    std::string expected =
        "--Encrypted Boundary\r\n"
        "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
        "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n"
        "--Encrypted Boundary\r\n"
        "\tContent-Type: application/octet-stream\r\n" +
        le32(16) + std::string(16, '\x01') + "ABCDE" + "--Encrypted Boundary--\r\n";
    CHECK(body == expected);
    CHECK(sealed_content_type(spnego_protocol) ==
          "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"");
}

TEST_CASE("sealed body round-trips binary payloads that contain the boundary", "[winrm][unit]") {
    std::string data = std::string("\0\r\n--Encrypted Boundary\r\nxx", 27) + "--Encrypted Boundary--\r\n" + "tail";
    sealed_message m{std::string(kerberos_protocol), 1234, std::string("\x05\x04\x06\xff", 4) + std::string(56, 'h'), data};
    auto parsed = parse_sealed_body(frame_sealed_body(m));
    REQUIRE(parsed);
    CHECK(parsed->protocol == kerberos_protocol);
    CHECK(parsed->original_length == 1234);
    CHECK(parsed->header == m.header);
    CHECK(parsed->encrypted_data == data);
}

TEST_CASE("sealed body parser rejects malformed input with a reason", "[winrm][unit]") {
    sealed_message m{std::string(spnego_protocol), 3, std::string(16, 's'), "abc"};
    auto good = frame_sealed_body(m);

    SECTION("plain SOAP is not a sealed body") {
        auto r = parse_sealed_body("<s:Envelope/>");
        REQUIRE_FALSE(r);
        CHECK(r.error().find("Encrypted Boundary") != std::string::npos);
    }
    SECTION("truncated body") {
        auto r = parse_sealed_body(good.substr(0, good.size() - 10));
        REQUIRE_FALSE(r);
        CHECK(r.error().find("closing") != std::string::npos);
    }
    SECTION("header length larger than the part") {
        auto bad = good;
        auto at = bad.find("octet-stream\r\n") + 14;
        bad.replace(at, 4, le32(0xfffffff0u));
        auto r = parse_sealed_body(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().find("exceeds") != std::string::npos);
    }
    SECTION("missing Length") {
        auto bad = good;
        bad.replace(bad.find("Length=3"), 8, "Lngth=3");
        CHECK_FALSE(parse_sealed_body(bad));
    }
    SECTION("every prefix fails cleanly") {
        for (std::size_t n = 0; n < good.size(); ++n) CHECK_FALSE(parse_sealed_body(good.substr(0, n)));
    }
}
