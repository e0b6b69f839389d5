#pragma once
/// A real MIT KDC on loopback for integration tests: a throw-away realm and
/// database (kdb5_util), a client password principal and HTTP/<fqdn> service
/// principals exported to a keytab (kadmin.local), and krb5kdc listening on a
/// free port on a loopback address of its own (127.240.x.1). Everything lives in a temp folder removed on
/// destruction; krb5kdc is stopped by its pid. Needs root-free loopback only.
#include <expected>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fleetmend::test {

struct kdc_options {
    std::string realm = "LAB.EXAMPLE";
    std::string domain = "lab.example";            // DNS suffix mapped to the realm
    std::vector<std::string> service_hosts;        // each gets HTTP/<host>@REALM in the keytab
    std::string user = "Administrator";            // client principal user@REALM
    std::string password = "Kerberos-Lab-Pass1";
};

class kdc_fixture {
public:
    /// Creates the realm and starts krb5kdc; errors carry the tool's output.
    [[nodiscard]] static std::expected<std::unique_ptr<kdc_fixture>, std::string> start(kdc_options options);
    ~kdc_fixture();
    kdc_fixture(const kdc_fixture&) = delete;
    kdc_fixture& operator=(const kdc_fixture&) = delete;

    /// Points this process's MIT krb5 at the fixture (KRB5_CONFIG, KRB5_KTNAME,
    /// KRB5CCNAME in memory, no replay cache). Call before the first GSSAPI use.
    void export_environment() const;

    [[nodiscard]] const std::string& krb5_config() const noexcept { return krb5_conf_; }
    [[nodiscard]] const std::string& keytab() const noexcept { return keytab_; }
    [[nodiscard]] const std::string& realm() const noexcept { return options_.realm; }
    [[nodiscard]] const kdc_options& options() const noexcept { return options_; }
    [[nodiscard]] unsigned short port() const noexcept { return port_; }
    /// "user@REALM" for the client principal.
    [[nodiscard]] std::string client_principal() const { return options_.user + "@" + options_.realm; }

private:
    kdc_fixture() = default;
    kdc_options options_;
    std::string dir_;
    std::string krb5_conf_;
    std::string kdc_conf_;
    std::string keytab_;
    unsigned short port_ = 0;
    pid_t kdc_pid_ = -1;
};

}  // namespace fleetmend::test
