// What a refused logon tells the user to change on the host.
#include "transports/winrm/winrm_channel.hpp"

#include <catch2/catch.hpp>

using namespace fleetmend;
using namespace fleetmend::winrm;

TEST_CASE("a local account other than the built-in Administrator is told about LocalAccountTokenFilterPolicy first", "[winrm][unit]") {
    CHECK(is_local_non_builtin_account("ops", "web07.corp.example"));
    CHECK(is_local_non_builtin_account(".\\ops", "web07.corp.example"));
    CHECK(is_local_non_builtin_account("WEB07\\ops", "web07.corp.example"));
    CHECK_FALSE(is_local_non_builtin_account("CORP\\ops", "web07.corp.example"));
    CHECK_FALSE(is_local_non_builtin_account("ops@corp.example", "web07.corp.example"));
    CHECK_FALSE(is_local_non_builtin_account(".\\Administrator", "web07.corp.example"));
    connection_settings s;
    s.host_name = "web07.corp.example";
    s.user = ".\\ops";
    const auto hint = credentials_rejected_hint(winrm_auth::ntlm, s);
    CHECK(hint.starts_with("'.\\ops' is a local account other than the built-in Administrator"));
    CHECK(hint.find("LocalAccountTokenFilterPolicy /t REG_DWORD /d 1") != std::string::npos);
    s.user = "CORP\\ops";
    CHECK(credentials_rejected_hint(winrm_auth::ntlm, s).starts_with("check the password"));
}

TEST_CASE("Basic refused over HTTP names AllowUnencrypted, over HTTPS NTLM names CbtHardeningLevel", "[winrm][unit]") {
    connection_settings s;
    s.host_name = "web07.corp.example";
    s.user = "ops";
    s.winrm.scheme = winrm_scheme::http;
    CHECK(credentials_rejected_hint(winrm_auth::basic, s).find("AllowUnencrypted=false") != std::string::npos);
    s.winrm.scheme = winrm_scheme::https;
    CHECK(credentials_rejected_hint(winrm_auth::basic, s).find("AllowUnencrypted") == std::string::npos);
    CHECK(credentials_rejected_hint(winrm_auth::ntlm, s).find("CbtHardeningLevel=Strict") != std::string::npos);
}
