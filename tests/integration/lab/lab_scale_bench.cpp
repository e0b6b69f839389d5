// How many simulated hosts one lab process serves: starts N hosts (default
// 10,000), then opens S concurrent NTLM-sealed sessions with fleetmend's own
// WinRM transport (one shell, two commands each, kept open until all are in).
// Prints startup time, RSS before and after, and session throughput.
//   lab_scale_bench [hosts=10000] [sessions=300] [client_threads=8]
#include "transports/lab/lab.hpp"
#include "transports/winrm/winrm_transport.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace fleetmend;

namespace {

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            long value = 0;
            status >> value;
            return value;
        }
        status.ignore(1 << 12, '\n');
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned hosts = argc > 1 ? std::atoi(argv[1]) : 10000;
    const unsigned sessions = argc > 2 ? std::atoi(argv[2]) : 300;
    const unsigned threads = argc > 3 ? std::atoi(argv[3]) : 8;

    lab::lab_options options;
    options.hosts = hosts;
    options.scenario_text = "name = \"scale\"\nname_pattern = \"s{n:05}.lab.example\"\npassword = \"Scale-Passw0rd!\"\n"
                            "[[group]]\nname = \"scale-http-ntlm\"\nscheme = \"http\"\nauth = \"ntlm\"\n"
                            "[types]\ndefault = 3\nclient = 1\ndisabled = 1\n";
    options.address_base = "127.228.0.1";
    const long rss_before = rss_kib();
    auto started = lab::lab_fleet::start(options);
    if (!started) {
        std::fprintf(stderr, "lab did not start: %s\n", started.error().c_str());
        return 1;
    }
    auto& fleet = **started;
    std::printf("hosts: %u  startup: %lld ms  RSS: %ld MiB -> %ld MiB\n", hosts,
                static_cast<long long>(fleet.startup_time().count()), rss_before / 1024, rss_kib() / 1024);

    const auto names = fleet.host_names();
    std::vector<std::unique_ptr<winrm_transport>> open(sessions);
    std::atomic<unsigned> next{0}, ok{0}, failed{0};
    std::mutex error_mutex;
    std::string first_error;
    const auto t0 = clock_type::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.emplace_back([&] {
            for (unsigned i = next++; i < sessions; i = next++) {
                const auto* spec = fleet.find(names[(i * 7919u) % names.size()]);
                connection_settings s;
                s.host_name = spec->name;
                s.address = spec->address;
                s.user = "LAB\\Administrator";
                s.password = secret{"Scale-Passw0rd!"};
                s.winrm.scheme = winrm_scheme::http;
                s.winrm.auth = winrm_auth::ntlm;
                auto t = std::make_unique<winrm_transport>(s);
                const auto until = clock_type::now() + std::chrono::seconds(60);
                auto connected = t->connect(until);
                auto first = connected ? t->run("netsh interface teredo show state", shell_kind::cmd, until)
                                       : std::unexpected(connected.error());
                auto second = first ? t->run("hostname", shell_kind::cmd, until) : first;
                if (second && second->exit_code == 0) {
                    ++ok;
                    open[i] = std::move(t);
                } else {
                    ++failed;
                    std::lock_guard lock(error_mutex);
                    if (first_error.empty()) first_error = second ? "exit code" : second.error().message;
                }
            }
        });
    for (auto& w : workers) w.join();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
    const auto totals = fleet.totals();
    std::printf("sessions: %u ok, %u failed in %lld ms (%.0f sessions/s, %u client threads)\n", ok.load(),
                failed.load(), static_cast<long long>(elapsed), elapsed ? ok * 1000.0 / elapsed : 0.0, threads);
    std::printf("lab counters: %u connections, %u authentications, %u shells, %u commands\n", totals.connections,
                totals.authentications, totals.shells, totals.commands);
    std::printf("RSS with %u sessions open: %ld MiB\n", ok.load(), rss_kib() / 1024);
    if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());
    for (auto& t : open)
        if (t) t->close();
    fleet.stop();
    return failed == 0 ? 0 : 1;
}
