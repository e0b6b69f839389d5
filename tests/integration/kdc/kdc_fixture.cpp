// Starts a throw-away MIT KDC with the Debian krb5-kdc tools.
#include "tests/integration/kdc/kdc_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace fleetmend::test {
namespace {

namespace fs = std::filesystem;

// The KDC's own loopback address, not 127.0.0.1: outgoing connections of
// suites running beside this one take their source ports on 127.0.0.1, and
// one of them could take the port probed below before the KDC binds it
// (that window holds the database creation). 127.240/16 is the KDC's; the
// process id picks the /24 so two suites' KDCs do not meet either.
const std::string& kdc_address() {
    static const std::string address = "127.240." + std::to_string(::getpid() % 250 + 1) + ".1";
    return address;
}

in_addr_t kdc_in_addr() {
    in_addr a{};
    ::inet_pton(AF_INET, kdc_address().c_str(), &a);
    return a.s_addr;
}

// A free port on kdc_address() for both UDP and TCP (the KDC binds both).
unsigned short free_port() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = kdc_in_addr();
        socklen_t len = sizeof a;
        if (::bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(tcp, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ::close(tcp);
            continue;
        }
        int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
        bool udp_free = ::bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(udp);
        ::close(tcp);
        if (udp_free) return ntohs(a.sin_port);
    }
    return 0;
}

bool port_accepts(unsigned short port) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = kdc_in_addr();
    a.sin_port = htons(port);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

std::vector<std::string> environment_with(const std::vector<std::pair<std::string, std::string>>& overrides) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        bool replaced = false;
        for (const auto& [k, v] : overrides) replaced = replaced || entry.starts_with(k + "=");
        if (!replaced) env.push_back(entry);
    }
    for (const auto& [k, v] : overrides) env.push_back(k + "=" + v);
    return env;
}

// Spawns argv with env; stdout+stderr go to log. Returns the pid or -1.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log) {
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs a tool to completion (bounded); error text includes its output.
std::expected<void, std::string> run_tool(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                          const std::string& log) {
    pid_t pid = spawn(argv, env, log);
    if (pid < 0) return std::unexpected("cannot start " + argv[0] + " (is krb5-kdc installed?)");
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return std::unexpected(argv[0] + " timed out");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::unexpected(argv[0] + " failed: " + read_file(log));
    return {};
}

}  // namespace

std::expected<std::unique_ptr<kdc_fixture>, std::string> kdc_fixture::start(kdc_options options) {
    std::unique_ptr<kdc_fixture> kdc(new kdc_fixture());
    kdc->options_ = std::move(options);
    const auto& o = kdc->options_;
    char dir_template[] = "/tmp/fleetmend-kdc-XXXXXX";
    if (!::mkdtemp(dir_template)) return std::unexpected("cannot create a temp folder for the KDC");
    kdc->dir_ = dir_template;
    kdc->port_ = free_port();
    if (kdc->port_ == 0) return std::unexpected("no free loopback port for the KDC");
    const auto& d = kdc->dir_;
    const auto port = std::to_string(kdc->port_);
    kdc->krb5_conf_ = d + "/krb5.conf";
    kdc->kdc_conf_ = d + "/kdc.conf";
    kdc->keytab_ = d + "/http.keytab";

    std::ofstream(kdc->krb5_conf_) << "[libdefaults]\n"
                                   << "  default_realm = " << o.realm << "\n"
                                   << "  dns_lookup_kdc = false\n  dns_lookup_realm = false\n"
                                   << "  dns_canonicalize_hostname = false\n  rdns = false\n"
                                   << "  udp_preference_limit = 1\n"
                                   << "  default_ccache_name = MEMORY:fleetmend-test\n"
                                   << "[realms]\n  " << o.realm << " = {\n    kdc = " << kdc_address() << ":" << port << "\n  }\n"
                                   << "[domain_realm]\n  ." << o.domain << " = " << o.realm << "\n  " << o.domain
                                   << " = " << o.realm << "\n";
    std::ofstream(kdc->kdc_conf_) << "[kdcdefaults]\n  kdc_listen = " << kdc_address() << ":" << port
                                  << "\n  kdc_tcp_listen = " << kdc_address() << ":" << port << "\n"
                                  << "[realms]\n  " << o.realm << " = {\n"
                                  << "    database_name = " << d << "/principal\n"
                                  << "    key_stash_file = " << d << "/stash\n"
                                  << "    acl_file = " << d << "/kadm5.acl\n"
                                  << "    kdc_listen = " << kdc_address() << ":" << port << "\n"
                                  << "    kdc_tcp_listen = " << kdc_address() << ":" << port << "\n"
                                  << "    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
                                  << "  }\n[logging]\n  kdc = FILE:" << d << "/kdc.log\n";
    std::ofstream(d + "/kadm5.acl") << "";

    auto env = environment_with({{"KRB5_CONFIG", kdc->krb5_conf_}, {"KRB5_KDC_PROFILE", kdc->kdc_conf_}});
    const std::string log = d + "/tools.log";
    if (auto r = run_tool({"/usr/sbin/kdb5_util", "create", "-s", "-r", o.realm, "-P", "fleetmend-master-key"}, env, log); !r)
        return std::unexpected(r.error());
    std::string queries = "addprinc -pw " + o.password + " " + o.user;
    if (auto r = run_tool({"/usr/sbin/kadmin.local", "-r", o.realm, "-q", queries}, env, log); !r)
        return std::unexpected(r.error());
    for (const auto& host : o.service_hosts) {
        for (const auto& q : {"addprinc -randkey HTTP/" + host, "ktadd -k " + kdc->keytab_ + " HTTP/" + host})
            if (auto r = run_tool({"/usr/sbin/kadmin.local", "-r", o.realm, "-q", q}, env, log); !r)
                return std::unexpected(r.error());
    }
    kdc->kdc_pid_ = spawn({"/usr/sbin/krb5kdc", "-n", "-r", o.realm}, env, d + "/krb5kdc.out");
    if (kdc->kdc_pid_ < 0) return std::unexpected("cannot start krb5kdc");
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!port_accepts(kdc->port_)) {
        int status = 0;
        if (::waitpid(kdc->kdc_pid_, &status, WNOHANG) == kdc->kdc_pid_) {
            kdc->kdc_pid_ = -1;
            return std::unexpected("krb5kdc exited: " + read_file(d + "/krb5kdc.out") + read_file(d + "/kdc.log"));
        }
        if (std::chrono::steady_clock::now() > until) return std::unexpected("krb5kdc did not listen within 10s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return kdc;
}

void kdc_fixture::export_environment() const {
    ::setenv("KRB5_CONFIG", krb5_conf_.c_str(), 1);
    ::setenv("KRB5_KTNAME", ("FILE:" + keytab_).c_str(), 1);
    ::setenv("KRB5CCNAME", "MEMORY:fleetmend-test", 1);
    ::setenv("KRB5RCACHETYPE", "none", 1);
}

kdc_fixture::~kdc_fixture() {
    if (kdc_pid_ > 0) {
        ::kill(kdc_pid_, SIGTERM);
        int status = 0;
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(kdc_pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(kdc_pid_, SIGKILL);
                ::waitpid(kdc_pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    if (!dir_.empty()) {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
}

}  // namespace fleetmend::test
