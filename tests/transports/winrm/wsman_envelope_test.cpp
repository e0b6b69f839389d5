#include "transports/winrm/wsman_envelope.hpp"

#include <catch2/catch.hpp>
#include <pugixml.hpp>

using namespace fleetmend::winrm;

namespace {
envelope_header header() {
    return {"http://win01.lab:5985/wsman", "uuid:11111111-1111-1111-1111-111111111111", std::chrono::seconds(20)};
}

pugi::xml_document parse(const std::string& xml) {
    pugi::xml_document doc;
    REQUIRE(doc.load_string(xml.c_str()));
    return doc;
}

std::string text_at(const pugi::xml_document& doc, const char* xpath) {
    auto n = doc.select_node(xpath);
    return n ? n.node().text().get() : "<missing>";
}
std::string attr_at(const pugi::xml_document& doc, const char* xpath) {
    auto n = doc.select_node(xpath);
    return n ? n.attribute().value() : "<missing>";
}
}  // namespace

TEST_CASE("Create asks for a UTF-8 cmd shell without a profile", "[winrm][unit]") {
    auto doc = parse(build_create_shell(header()));
    CHECK(text_at(doc, "//a:Action") == uri::action_create);
    CHECK(text_at(doc, "//w:ResourceURI") == uri::cmd_shell);
    CHECK(text_at(doc, "//a:To") == "http://win01.lab:5985/wsman");
    CHECK(text_at(doc, "//a:MessageID") == "uuid:11111111-1111-1111-1111-111111111111");
    CHECK(text_at(doc, "//w:MaxEnvelopeSize") == "153600");
    CHECK(attr_at(doc, "//w:MaxEnvelopeSize/@s:mustUnderstand") == "true");
    CHECK(text_at(doc, "//w:OperationTimeout") == "PT20.000S");
    CHECK(text_at(doc, "//w:Option[@Name='WINRS_NOPROFILE']") == "TRUE");
    CHECK(text_at(doc, "//w:Option[@Name='WINRS_CODEPAGE']") == "65001");
    CHECK(text_at(doc, "//rsp:Shell/rsp:InputStreams") == "stdin");
    CHECK(text_at(doc, "//rsp:Shell/rsp:OutputStreams") == "stdout stderr");
    CHECK_FALSE(doc.select_node("//w:SelectorSet"));
    CHECK(text_at(doc, "//a:ReplyTo/a:Address") == "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
}

TEST_CASE("Command carries the shell, options and an escaped command line", "[winrm][unit]") {
    auto doc = parse(build_command(header(), "SHELL-1", "echo a&b <c> \"d\"", {"-x 'y'"}, true));
    CHECK(text_at(doc, "//a:Action") == uri::action_command);
    CHECK(text_at(doc, "//w:SelectorSet/w:Selector[@Name='ShellId']") == "SHELL-1");
    CHECK(text_at(doc, "//w:Option[@Name='WINRS_CONSOLEMODE_STDIN']") == "TRUE");
    CHECK(text_at(doc, "//w:Option[@Name='WINRS_SKIP_CMD_SHELL']") == "TRUE");
    CHECK(text_at(doc, "//rsp:CommandLine/rsp:Command") == "echo a&b <c> \"d\"");
    CHECK(text_at(doc, "//rsp:CommandLine/rsp:Arguments") == "-x 'y'");

    auto cmd = parse(build_command(header(), "SHELL-1", "netsh interface teredo show state", {}, false));
    CHECK(text_at(cmd, "//w:Option[@Name='WINRS_SKIP_CMD_SHELL']") == "FALSE");
    CHECK_FALSE(cmd.select_node("//rsp:Arguments"));
}

TEST_CASE("Receive, Signal and Delete address the right shell and command", "[winrm][unit]") {
    auto receive = parse(build_receive(header(), "S1", "C1"));
    CHECK(text_at(receive, "//a:Action") == uri::action_receive);
    CHECK(attr_at(receive, "//rsp:DesiredStream/@CommandId") == "C1");
    CHECK(text_at(receive, "//rsp:DesiredStream") == "stdout stderr");
    CHECK(text_at(receive, "//w:Selector[@Name='ShellId']") == "S1");

    auto signal = parse(build_signal_terminate(header(), "S1", "C1"));
    CHECK(text_at(signal, "//a:Action") == uri::action_signal);
    CHECK(attr_at(signal, "//rsp:Signal/@CommandId") == "C1");
    CHECK(text_at(signal, "//rsp:Signal/rsp:Code") == uri::signal_terminate);

    auto del = parse(build_delete_shell(header(), "S1"));
    CHECK(text_at(del, "//a:Action") == uri::action_delete);
    CHECK(text_at(del, "//w:Selector[@Name='ShellId']") == "S1");
    CHECK(del.select_node("//s:Body"));
}

TEST_CASE("Send carries stdin base64 in the command's stdin stream, End on the last piece", "[winrm][unit]") {
    auto doc = parse(build_send(header(), "SHELL-1", "CMD-1", "Write-Output 1\n", false));
    CHECK(text_at(doc, "//*[local-name()='Action']") == "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send");
    CHECK(attr_at(doc, "//*[local-name()='Stream']/@Name") == "stdin");
    CHECK(attr_at(doc, "//*[local-name()='Stream']/@CommandId") == "CMD-1");
    CHECK(attr_at(doc, "//*[local-name()='Stream']/@End") == "<missing>");
    CHECK(text_at(doc, "//*[local-name()='Stream']") == "V3JpdGUtT3V0cHV0IDEK");
    auto last = parse(build_send(header(), "SHELL-1", "CMD-1", "x", true));
    CHECK(attr_at(last, "//*[local-name()='Stream']/@End") == "true");
}

TEST_CASE("A full Send stays within MaxEnvelopeSize at 150 and 500 KiB", "[winrm][unit]") {
    for (std::size_t size : {default_max_envelope_size, large_max_envelope_size}) {
        auto h = header();
        h.max_envelope_size = size;
        const auto capacity = send_capacity(h, "0A1B2C3D-0000-4000-8000-000000000000", "0A1B2C3D-0000-4000-8000-000000000001");
        CHECK(capacity > size / 2);
        const auto full = build_send(h, "0A1B2C3D-0000-4000-8000-000000000000", "0A1B2C3D-0000-4000-8000-000000000001",
                                     std::string(capacity, 'x'), true);
        CHECK(full.size() <= size);
    }
}

TEST_CASE("The config Get asks for the config resource and its MaxEnvelopeSizekb is read", "[winrm][unit]") {
    auto doc = parse(build_get_config(header()));
    CHECK(text_at(doc, "//*[local-name()='Action']") == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get");
    CHECK(text_at(doc, "//*[local-name()='ResourceURI']") == "http://schemas.microsoft.com/wbem/wsman/1/config");
}
