#include "tests/integration/winrm/winrm_test_env.hpp"

#include "tests/integration/winrm/mini_wsman_server.hpp"

#include <stdexcept>
#include <unistd.h>

namespace fleetmend::test {

const winrm_test_env& winrm_test_env::get() {
    // Never destroyed: the atexit clean-up below runs after static destructors would.
    static const winrm_test_env* env = [] {
        auto* made = new winrm_test_env;
        auto& e = *made;
        char dir_template[] = "/tmp/fleetmend-winrm-XXXXXX";
        if (!::mkdtemp(dir_template)) throw std::runtime_error("mkdtemp failed");
        e.dir = dir_template;
        // gss-ntlmssp's acceptor reads DOMAIN:USER:PASSWORD lines from this file.
        std::ofstream(e.dir + "/ntlm_users") << "LAB:Administrator:" << lab_password << "\n";
        ::setenv("NTLM_USER_FILE", (e.dir + "/ntlm_users").c_str(), 1);
        e.cert_file = e.dir + "/win01.pem";
        e.key_file = e.dir + "/win01.key";
        e.other_cert = e.dir + "/other.pem";
        e.other_key = e.dir + "/other.key";
        e.client_cert = e.dir + "/client.pem";
        e.client_key = e.dir + "/client.key";
        if (!make_self_signed("win01.lab.example", e.cert_file, e.key_file) ||
            !make_self_signed("svc-remediate", e.client_cert, e.client_key) ||
            !make_self_signed("impostor.lab.example", e.other_cert, e.other_key))
            throw std::runtime_error("openssl could not make test certificates");
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(get().dir, ignored);
        });
        return made;
    }();
    return *env;
}

}  // namespace fleetmend::test
