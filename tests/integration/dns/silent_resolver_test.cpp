// A host whose DNS server never answers ends unreachable at its connect
// deadline, over SSH and over WinRM, named with what to check; a second
// signal ends it at once. glibc's own wait here would be a minute per name
// (timeout:30 attempts:2).
#include "tests/integration/support/child_process.hpp"
#include "tests/integration/teredo/teredo_netns.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* name_prefix = "fmdns";

/// A network namespace with a link to nowhere: 192.0.2.53, its only name
/// server, is on a veth whose other end answers nothing, so every query is
/// sent and never answered (not refused: no ICMP comes back either). Its
/// neighbour entry is fixed: without it the failed ARP makes the kernel
/// refuse the sends and glibc gives up after 6 s instead of waiting.
class silent_resolver_netns {
public:
    silent_resolver_netns() {
        delete_stale_namespaces(name_prefix);
        name_ = name_prefix + std::to_string(::getpid()) + "x0";
        dir_ = fs::temp_directory_path() / (name_ + "-dir");
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        etc_ = fs::path("/etc/netns") / name_;
        created_etc_netns_ = !fs::exists("/etc/netns");
        fs::create_directories(etc_);
        std::ofstream(etc_ / "resolv.conf") << "nameserver 192.0.2.53\noptions timeout:30 attempts:2\n";
        const std::string a = name_ + "a", b = name_ + "b";
        const std::vector<std::vector<std::string>> steps{
            {"ip", "netns", "add", name_},
            {"ip", "-n", name_, "link", "set", "lo", "up"},
            {"ip", "-n", name_, "link", "add", a, "type", "veth", "peer", "name", b},
            {"ip", "-n", name_, "addr", "add", "192.0.2.1/24", "dev", a},
            {"ip", "-n", name_, "link", "set", a, "up"},
            {"ip", "-n", name_, "link", "set", b, "up"},
            {"ip", "-n", name_, "neigh", "replace", "192.0.2.53", "lladdr", "02:00:00:00:00:53", "dev", a, "nud",
             "permanent"},
        };
        for (const auto& step : steps) {
            if (run_program(step, dir_ / "setup.log") != 0) {
                const auto why = read_text(dir_ / "setup.log");
                cleanup();
                throw std::runtime_error("namespace set-up failed: " + why);
            }
        }
    }
    ~silent_resolver_netns() { cleanup(); }
    silent_resolver_netns(const silent_resolver_netns&) = delete;
    silent_resolver_netns& operator=(const silent_resolver_netns&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const fs::path& dir() const noexcept { return dir_; }

private:
    void cleanup() noexcept {
        delete_namespace(name_, dir_);
        std::error_code ec;
        fs::remove_all(etc_, ec);
        if (created_etc_netns_) fs::remove("/etc/netns", ec);
        fs::remove_all(dir_, ec);
    }

    std::string name_;
    fs::path dir_;
    fs::path etc_;
    bool created_etc_netns_ = false;
};

std::string inventory_text(const fs::path& dir, const std::string& connect_timeout) {
    std::ostringstream text;
    text << "[defaults]\nconnect_timeout = \"" << connect_timeout << "\"\ncommand_timeout = \"5s\"\n\n"
         << "[groups.linux]\nhosts = [\"lnx.silent-dns.example\"]\ntransport = \"ssh\"\nuser = \"nobody\"\n"
         << "ssh = { host_key_policy = \"strict\", known_hosts = \"" << (dir / "known_hosts").string() << "\" }\n\n"
         << "[groups.windows]\nhosts = [\"win.silent-dns.example\"]\ntransport = \"winrm\"\n"
         << "user = 'LAB\\nobody'\npassword = { env = \"FLEETMEND_DNS_TEST_PASSWORD\" }\n"
         << "winrm = { scheme = \"http\", auth = \"ntlm\" }\n";
    return text.str();
}

/// The exec_host events of `fleetmend exec --json` output, by host.
std::map<std::string, nlohmann::json> exec_hosts(const std::string& output) {
    std::map<std::string, nlohmann::json> hosts;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line.front() != '{') continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "exec_host") hosts[j.value("host", "")] = j;
    }
    return hosts;
}

/// `fleetmend exec` of both hosts inside the namespace.
std::vector<std::string> exec_in(const silent_resolver_netns& netns, const fs::path& inventory) {
    return {"/usr/bin/ip", "netns", "exec", netns.name(), "/usr/bin/env", "FLEETMEND_DNS_TEST_PASSWORD=unused",
            FLEETMEND_BINARY, "exec", "-i", inventory.string(), "--limit", "all", "--json", "--", "hostname"};
}

}  // namespace

TEST_CASE("a DNS server that never answers: each host ends unreachable at its connect deadline, saying what to check",
          "[dns][integration]") {
    skip_unless_root("network namespaces and /etc/netns");
    skip_unless_executable("/usr/bin/ip", "iproute2");
    silent_resolver_netns netns;
    const auto inventory = netns.dir() / "inventory.toml";
    std::ofstream(inventory) << inventory_text(netns.dir(), "2s");
    std::ofstream(netns.dir() / "known_hosts").flush();
    const auto log = netns.dir() / "exec.out";

    const auto started = std::chrono::steady_clock::now();
    const int status = run_program(exec_in(netns, inventory), log);
    const auto took = std::chrono::steady_clock::now() - started;
    const std::string output = read_text(log);
    INFO(output);
    CHECK(status == 3);  // unreachable hosts, none failed otherwise
    // Both hosts in flight at once, each bounded by its 2 s connect timeout;
    // glibc alone would have waited 60 s for each name.
    CHECK(took < 15s);

    const auto hosts = exec_hosts(output);
    REQUIRE(hosts.size() == 2);
    for (const auto& [name, host] : hosts) {
        INFO(name << ": " << host.dump());
        CHECK(host.value("status", "") == "unreachable");
        const std::string message = host.value("message", "");
        CHECK_THAT(message, Catch::Contains("resolving " + name + " did not finish within the connect timeout"));
        CHECK_THAT(message, Catch::Contains("/etc/resolv.conf"));
    }
}

TEST_CASE("a second SIGINT ends the hosts still waiting for a DNS answer at once, over SSH and WinRM",
          "[dns][integration]") {
    skip_unless_root("network namespaces and /etc/netns");
    skip_unless_executable("/usr/bin/ip", "iproute2");
    silent_resolver_netns netns;
    const auto inventory = netns.dir() / "inventory.toml";
    std::ofstream(inventory) << inventory_text(netns.dir(), "60s");
    std::ofstream(netns.dir() / "known_hosts").flush();
    const auto log = netns.dir() / "exec.out";

    child_process exec(child_process::whole_command{exec_in(netns, inventory)}, log);
    REQUIRE(exec.pid() > 0);
    // Both lookups are under way well within this (the hosts start at once);
    // the signals are the operator's, whatever the run was doing.
    std::this_thread::sleep_for(1500ms);
    REQUIRE_FALSE(exec.poll().has_value());
    const auto signalled = std::chrono::steady_clock::now();
    exec.send(SIGINT);
    REQUIRE(wait_for_text(log, "stopping: no new host starts", 20s));
    exec.send(SIGINT);
    const int status = exec.wait(60s);
    const auto took = std::chrono::steady_clock::now() - signalled;
    const std::string output = read_text(log);
    INFO(output);
    CHECK(status == 5);  // stopped by the operator
    // The lookups' own deadline is 60 s away, and glibc would wait as long:
    // only the stop can end them this soon.
    CHECK(took < 10s);
    CHECK_THAT(output, Catch::Contains("2 hosts were still connecting and never started the command"));
    CHECK_THAT(output, !Catch::Contains("commands in flight were stopped"));
    const auto hosts = exec_hosts(output);
    REQUIRE(hosts.size() == 2);
    for (const auto& [name, host] : hosts) {
        INFO(name << ": " << host.dump());
        CHECK(host.value("status", "") == "unfinished");
        CHECK_THAT(host.value("message", ""), Catch::Contains("stopped by the operator"));
        CHECK_THAT(host.value("message", ""), Catch::Contains("while connecting"));
        CHECK_THAT(host.value("message", ""), !Catch::Contains("did not finish within"));
    }
}
