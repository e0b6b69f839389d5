#include "transports/winrm/wsman_response.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace fleetmend::winrm;

namespace {
// Shapes as Windows Server 2019 sends them (namespaces and prefixes as in pywinrm's fixtures).
const std::string create_response = R"(<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">
<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse</a:Action><a:MessageID>uuid:2</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>uuid:1</a:RelatesTo></s:Header>
<s:Body><x:ResourceCreated><a:Address>http://windows-host:5985/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">11111111-1111-1111-1111-111111111113</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated><rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:ShellId>11111111-1111-1111-1111-111111111113</rsp:ShellId></rsp:Shell></s:Body></s:Envelope>)";

const std::string command_response = R"(<s:Envelope xml:lang="en-US" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:s="http://www.w3.org/2003/05/soap-envelope">
<s:Header><a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse</a:Action></s:Header>
<s:Body><rsp:CommandResponse><rsp:CommandId>11111111-1111-1111-1111-111111111114</rsp:CommandId></rsp:CommandResponse></s:Body></s:Envelope>)";

std::string receive_response(const std::string& streams, const std::string& state) {
    return R"(<s:Envelope xml:lang="en-US" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse</a:Action></s:Header><s:Body><rsp:ReceiveResponse>)" +
           streams + state + "</rsp:ReceiveResponse></s:Body></s:Envelope>";
}

std::string fault_response(const std::string& subcode, const std::string& code, const std::string& message) {
    return R"(<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>)" +
           subcode + R"(</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The reason text. </s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code=")" +
           code + R"(" Machine="win01.lab"><f:Message>)" + message +
           "</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>";
}
}  // namespace

TEST_CASE("ShellId and CommandId come out of Windows' replies", "[winrm][unit]") {
    CHECK(parse_shell_id(create_response).value() == "11111111-1111-1111-1111-111111111113");
    CHECK(parse_command_id(command_response).value() == "11111111-1111-1111-1111-111111111114");
    auto missing = parse_shell_id(command_response);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().find("ShellId") != std::string::npos);
}

TEST_CASE("Receive decodes base64 streams in order and the Done exit code", "[winrm][unit]") {
    const std::string cid = R"( CommandId="C")";
    auto running = parse_receive(receive_response(
        "<rsp:Stream Name=\"stdout\"" + cid + ">VHlwZSAg</rsp:Stream><rsp:Stream Name=\"stdout\"" + cid +
            ">OiBkaXNhYmxlZA0K</rsp:Stream><rsp:Stream Name=\"stderr\"" + cid + ">b29wcw==</rsp:Stream>",
        "<rsp:CommandState" + cid + " State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running\"/>"));
    REQUIRE(running);
    CHECK(running->stdout_bytes == "Type  : disabled\r\n");
    CHECK(running->stderr_bytes == "oops");
    CHECK_FALSE(running->done);
    CHECK_FALSE(running->exit_code);

    auto done = parse_receive(receive_response(
        "<rsp:Stream Name=\"stdout\"" + cid + " End=\"true\"/><rsp:Stream Name=\"stderr\"" + cid + " End=\"true\"/>",
        "<rsp:CommandState" + cid +
            " State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done\"><rsp:ExitCode>1</rsp:ExitCode></rsp:CommandState>"));
    REQUIRE(done);
    CHECK(done->done);
    CHECK(done->exit_code == 1);
    CHECK(done->stdout_bytes.empty());
}

TEST_CASE("Receive rejects hostile or broken replies with a reason", "[winrm][unit]") {
    CHECK_FALSE(parse_receive("not xml at all"));
    CHECK_FALSE(parse_receive(receive_response("<rsp:Stream Name=\"stdout\">!!!notbase64</rsp:Stream>", "")));
    CHECK_FALSE(parse_receive(receive_response(
        "", "<rsp:CommandState State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done\"/>")));
    // An entity defined in a DTD is never expanded (no billion laughs, no file reads).
    std::string bomb = R"(<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>)" +
                       receive_response("<rsp:Stream Name=\"stdout\">&b;</rsp:Stream>", "");
    auto r = parse_receive(bomb);
    if (r) CHECK(r->stdout_bytes.find("aaaa") == std::string::npos);
}

TEST_CASE("Faults keep the remote's code and words", "[winrm][unit]") {
    auto timeout = parse_fault(fault_response(
        "w:TimedOut", "2150858793",
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "));
    REQUIRE(timeout);
    REQUIRE(timeout->has_value());
    const auto& f = **timeout;
    CHECK(f.code == "s:Receiver");
    CHECK(f.subcode == "w:TimedOut");
    CHECK(f.wsman_code == fault_code::operation_timed_out);
    CHECK(f.machine == "win01.lab");
    CHECK(f.reason == "The reason text.");
    CHECK(f.message.starts_with("The WS-Management service cannot complete"));
    CHECK(f.describe().find("2150858793") != std::string::npos);
    CHECK(f.describe().find("w:TimedOut") != std::string::npos);

    auto provider = parse_fault(fault_response(
        "w:InvalidSelectors", "2150858843",
        R"(<f:ProviderFault provider="Shell cmd plugin" path="%systemroot%\system32\winrscmd.dll">The request for the Windows Remote Shell with ShellId 1234 failed because the shell was not found on the server.</f:ProviderFault>)"));
    REQUIRE(provider);
    REQUIRE(provider->has_value());
    CHECK((*provider)->wsman_code == fault_code::shell_not_found);
    CHECK((*provider)->provider == "Shell cmd plugin");
    CHECK((*provider)->message.find("shell was not found") != std::string::npos);
    CHECK((*provider)->describe().find("Shell cmd plugin") != std::string::npos);

    auto none = parse_fault(command_response);
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    CHECK_FALSE(parse_fault("<html>Bad gateway</html>"));
}

TEST_CASE("base64 round-trips and refuses garbage", "[winrm][unit]") {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
        CHECK(base64_decode(base64_encode(s)) == s);
    CHECK(base64_encode("hello") == "aGVsbG8=");
    CHECK_FALSE(base64_decode("aGVs*G8="));
    CHECK_FALSE(base64_decode("aGVsbG8=xx"));
}

TEST_CASE("MaxEnvelopeSizekb comes from the host's config, nothing else does", "[winrm][unit]") {
    const std::string config =
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/><s:Body>"
        "<cfg:Config xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\"><cfg:MaxEnvelopeSizekb>500"
        "</cfg:MaxEnvelopeSizekb><cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms></cfg:Config></s:Body></s:Envelope>";
    CHECK(parse_max_envelope_size_kb(config) == std::optional<std::size_t>(500));
    CHECK_FALSE(parse_max_envelope_size_kb("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>"));
    CHECK_FALSE(parse_max_envelope_size_kb("not xml"));
}
