// pywinrm (Debian python3-winrm) against a running lab: the lab must look
// like Windows to a client we did not write.
#include "transports/lab/lab.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

using namespace fleetmend::lab;

namespace {

// Each test process takes its own /24 on loopback so parallel ctest runs do not collide.
std::string address_base() {
    return "127.221." + std::to_string(::getpid() % 250 + 1) + ".1";
}

constexpr const char* scenario_text = R"toml(
name = "pywinrm"
hosts = 12
name_pattern = "pw{n:02}.lab.example"
[[group]]
name = "http-ntlm"
scheme = "http"
auth = "ntlm"
[[group]]
name = "https-basic"
scheme = "https"
auth = "basic"
[[group]]
name = "https-ntlm"
scheme = "https"
auth = "ntlm"
[types]
client = 1
default = 1
enterpriseclient = 1
[[fault]]
kind = "wrong-password"
hosts = [4]
[[fault]]
kind = "group-policy"
hosts = [3]
policy_type = "enterpriseclient"
[[fault]]
kind = "old-envelope-size"
hosts = [7]
[[fault]]
kind = "certificate-address-only"
hosts = [8]
[[fault]]
kind = "certificate-other-name"
hosts = [9]
[[fault]]
kind = "strict-channel-binding"
hosts = [12]
[[fault]]
kind = "ntlm-refused"
hosts = [10]
)toml";

struct pywinrm_result {
    int status = -1;
    std::string output;
};

/// OpenSSL 3 keeps MD4 (NTLM) in its legacy provider; pywinrm needs both providers.
std::string write_openssl_conf(const std::string& dir) {
    const std::string path = dir + "/openssl-legacy.cnf";
    std::ofstream out(path);
    out << "openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n"
           "[provider_sect]\ndefault = default_sect\nlegacy = legacy_sect\n"
           "[default_sect]\nactivate = 1\n[legacy_sect]\nactivate = 1\n";
    return path;
}

pywinrm_result run_pywinrm(const lab_fleet& lab, const std::string& endpoint, const std::string& transport,
                           const std::string& ca, int count, const std::string& command,
                           const std::string& encryption = "", const std::string& stdin_file = "",
                           bool channel_bindings = true) {
    const std::string user = lab.credentials().domain + "\\" + lab.credentials().user;
    std::string line = "OPENSSL_CONF=" + write_openssl_conf(lab.directory());
    if (!encryption.empty()) line += " PYWINRM_ENCRYPTION=" + encryption;
    if (!stdin_file.empty()) line += " PYWINRM_STDIN_FILE=" + stdin_file;
    if (!channel_bindings) line += " PYWINRM_SEND_CBT=0";
    line += " timeout 60 /usr/bin/python3 " FLEETMEND_PYWINRM_CLIENT " " + endpoint + " " + transport + " '" + user +
            "' " + lab.password_file() + " " + ca + " " + std::to_string(count) + " " + command + " 2>&1";
    pywinrm_result result;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(line.c_str(), "r"), &::pclose);
    REQUIRE(pipe);
    std::array<char, 4096> buffer{};
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) result.output.append(buffer.data(), n);
    const int raw = ::pclose(pipe.release());
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return result;
}

std::unique_ptr<lab_fleet> start_lab() {
    lab_options options;
    options.scenario_text = scenario_text;
    options.address_base = address_base();
    auto lab = lab_fleet::start(options);
    if (!lab) FAIL("lab did not start: " << lab.error());
    return std::move(*lab);
}

std::string endpoint_of(const lab_fleet& lab, const std::string& host) {
    const host_spec* spec = lab.find(host);
    REQUIRE(spec);
    const bool https = spec->scheme == lab_scheme::https;
    return std::string(https ? "https://" : "http://") + spec->address + (https ? ":5986" : ":5985") + "/wsman";
}

std::string json_escaped_type_line(teredo_type type, bool policy) {
    std::string line = "Type                    : " + std::string(to_netsh(type));
    if (policy) line += " (Group Policy)";
    return line + "\\r\\n";
}

}  // namespace

TEST_CASE("pywinrm reads netsh output over HTTP with NTLM message encryption", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw01.lab.example";  // http-ntlm
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 1,
                                    "netsh interface teredo show state");
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(result.output.find("\"stdout\": \"Teredo Parameters\\r\\n---------------------------------------------\\r\\n") !=
          std::string::npos);
    CHECK(result.output.find(json_escaped_type_line(*lab->current_type(host), false)) != std::string::npos);
    CHECK(result.output.find("\"status\": 0") != std::string::npos);
    const auto c = lab->counters(host);
    CHECK(c.authentications == 1);
    CHECK(c.shells == 1);
    CHECK(c.commands == 1);
}

TEST_CASE("pywinrm reads netsh output over HTTPS with Basic, validating the lab CA", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw02.lab.example";  // https-basic
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "basic", lab->ca_file(), 1,
                                    "netsh interface teredo show state");
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(result.output.find(json_escaped_type_line(*lab->current_type(host), false)) != std::string::npos);
    CHECK(lab->counters(host).authentications == 1);
}

TEST_CASE("pywinrm over HTTPS with NTLM sees Group Policy's suffix and the policy value", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw03.lab.example";  // https-ntlm, policy enterpriseclient
    auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", lab->ca_file(), 1,
                              "netsh interface teredo show state");
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(result.output.find(json_escaped_type_line(teredo_type::enterpriseclient, true)) != std::string::npos);
    result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", lab->ca_file(), 1,
                         "reg query HKLM\\\\Software\\\\Policies\\\\Microsoft\\\\Windows\\\\TCPIP\\\\v6Transition /v Teredo_State");
    INFO(result.output);
    CHECK(result.output.find("Teredo_State    REG_SZ    Enterprise Client") != std::string::npos);
}

TEST_CASE("one pywinrm session costs one connection, one logon and one shell for many commands", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw01.lab.example";
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 5, "hostname");
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(result.output.find("PW01\\r\\n") != std::string::npos);
    const auto c = lab->counters(host);
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.shells == 1);
    CHECK(c.commands == 5);
}

TEST_CASE("a change made through pywinrm shows in the lab's model", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw01.lab.example";
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 1,
                                    "netsh interface teredo set state type=disabled");
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(result.output.find("\"stdout\": \"Ok.\\r\\n\\r\\n\"") != std::string::npos);
    CHECK(lab->current_type(host) == teredo_type::disabled);
    CHECK(lab->counters(host).applies == 1);
}

TEST_CASE("a host whose password differs rejects pywinrm's NTLM logon", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw04.lab.example";  // http-ntlm, wrong-password
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 1, "hostname");
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK(result.output.find("InvalidCredentialsError") != std::string::npos);
    CHECK(lab->counters(host).auth_failures >= 1);
    CHECK(lab->counters(host).shells == 0);
}

TEST_CASE("a host that restricts NTLM refuses pywinrm's NTLM logon", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw10.lab.example";  // http-ntlm, ntlm-refused
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 1, "hostname");
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK(result.output.find("InvalidCredentialsError") != std::string::npos);
    CHECK(lab->counters(host).auth_failures >= 1);
    CHECK(lab->counters(host).authentications == 0);
    CHECK(lab->counters(host).shells == 0);
}

TEST_CASE("an unencrypted body over HTTP is refused like AllowUnencrypted=false", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw01.lab.example";
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 1, "hostname", "never");
    INFO(result.output);
    CHECK(result.status == 2);
    CHECK(lab->counters(host).shells == 0);
}

TEST_CASE("pywinrm streams a 200 KB script over stdin (Send) and reads output larger than one envelope", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw07.lab.example";  // http-ntlm, MaxEnvelopeSizekb 150
    std::string script, expected;
    for (unsigned i = 0; script.size() < 200 * 1024; ++i) {
        script += "Write-Output 'pywinrm line " + std::to_string(i) + "'\n";
        expected += "pywinrm line " + std::to_string(i) + "\\r\\n";
    }
    const std::string file = lab->directory() + "/script.ps1";
    std::ofstream(file, std::ios::binary) << script;
    const auto result = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", "ignore", 1, "ignored", "", file);
    INFO(result.output.substr(0, 2000));
    REQUIRE(result.status == 0);
    CHECK(result.output.find("{\"stdout\": \"" + expected + "\", \"stderr\": \"\", \"status\": 0}") != std::string::npos);
    const auto c = lab->counters(host);
    CHECK(c.input_pieces == 3);  // 100 KB pieces
    CHECK(c.connections == 1);
    CHECK(c.authentications == 1);
    CHECK(c.shells == 1);
    CHECK(c.commands == 1);
}

TEST_CASE("pywinrm accepts a certificate for the address it dials and refuses one for another name", "[lab][integration]") {
    auto lab = start_lab();
    auto ok = run_pywinrm(*lab, endpoint_of(*lab, "pw08.lab.example"), "basic", lab->ca_file(), 1, "hostname");
    INFO(ok.output);
    CHECK(ok.status == 0);
    CHECK(ok.output.find("PW08\\r\\n") != std::string::npos);
    auto refused = run_pywinrm(*lab, endpoint_of(*lab, "pw09.lab.example"), "ntlm", lab->ca_file(), 1, "hostname");
    INFO(refused.output);
    CHECK(refused.status == 2);
    CHECK(refused.output.find("SSLError") != std::string::npos);
    CHECK(lab->counters("pw09.lab.example").shells == 0);
}

TEST_CASE("a CbtHardeningLevel=Strict host takes pywinrm's NTLM with channel bindings and refuses it without", "[lab][integration]") {
    auto lab = start_lab();
    const std::string host = "pw12.lab.example";  // https-ntlm, strict
    auto bound = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", lab->ca_file(), 1, "hostname");
    INFO(bound.output);
    CHECK(bound.status == 0);
    auto unbound = run_pywinrm(*lab, endpoint_of(*lab, host), "ntlm", lab->ca_file(), 1, "hostname", "", "", false);
    INFO(unbound.output);
    CHECK(unbound.status == 2);
    CHECK(unbound.output.find("InvalidCredentialsError") != std::string::npos);
    CHECK(lab->counters(host).auth_failures >= 1);
    CHECK(lab->counters(host).shells == 1);
}
