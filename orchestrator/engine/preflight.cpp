#include "orchestrator/engine/preflight.hpp"

#include "orchestrator/engine/open_files.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace fleetmend {
namespace {

struct closer {
    void operator()(transport* t) const noexcept {
        if (!t) return;
        t->close();
        delete t;
    }
};

/// One host: connect, authenticate, ask about the account's rights.
std::optional<preflight_failure> check_host(const host_entry& host, const playbook& book, const transport_factory& make) {
    std::unique_ptr<transport, closer> remote(make ? make(host.connection).release() : nullptr);
    if (!remote) return preflight_failure{host.name, error_kind::config, "no transport can reach this host"};
    if (auto connected = remote->connect(clock_type::now() + host.connection.connect_timeout); !connected)
        return preflight_failure{host.name, connected.error().kind, "connect: " + connected.error().message};
    const bool windows = book.platform == "windows";
    const std::string command = windows ? "whoami /groups" : "id -u";
    auto result = remote->run(command, windows ? shell_kind::cmd : shell_kind::sh,
                              clock_type::now() + host.connection.command_timeout);
    if (!result) return preflight_failure{host.name, result.error().kind, command + ": " + result.error().message};
    if (auto problem = rights_problem(book.platform, *result); !problem.empty())
        return preflight_failure{host.name, std::nullopt, problem};
    return std::nullopt;
}

}  // namespace

bool preflight_wanted(const playbook& book) noexcept {
    return !book.apply.empty() && book.rollout.preflight.value_or(false);
}

std::string rights_problem(const std::string& platform, const exec_result& result) {
    if (result.exit_code != 0)
        return "the rights check exited " + std::to_string(result.exit_code) + ": " +
               result.stderr_text.substr(0, 200);
    if (platform == "windows") {
        // Integrity levels: S-1-16-12288 High (elevated), S-1-16-16384 System.
        if (result.stdout_text.find("S-1-16-12288") != std::string::npos ||
            result.stdout_text.find("S-1-16-16384") != std::string::npos)
            return {};
        return "the account's token is not elevated (whoami /groups shows no High Mandatory Level): changes would "
               "fail with \"requires elevation\"; use an administrator account, or for a local account set "
               "LocalAccountTokenFilterPolicy";
    }
    std::string uid = result.stdout_text;
    std::erase_if(uid, [](char c) { return c == '\r' || c == '\n' || c == ' '; });
    if (uid == "0") return {};
    return "the account is not root (id -u printed " + uid + "): changes would fail";
}

preflight_summary run_preflight(const std::vector<const host_entry*>& hosts, const playbook& book,
                                const transport_factory& make_transport, unsigned concurrency) {
    const auto started = clock_type::now();
    std::vector<std::optional<preflight_failure>> outcomes(hosts.size());
    std::atomic<std::size_t> next{0};
    {
        std::vector<std::jthread> pool;
        const std::size_t workers = std::min<std::size_t>(hosts.size(), hosts_in_flight(concurrency));
        for (std::size_t w = 0; w < workers; ++w)
            pool.emplace_back([&] {
                for (std::size_t i = next.fetch_add(1); i < hosts.size(); i = next.fetch_add(1)) {
                    try {
                        outcomes[i] = check_host(*hosts[i], book, make_transport);
                    } catch (const std::exception& e) {
                        outcomes[i] = preflight_failure{hosts[i]->name, std::nullopt, std::string("internal error: ") + e.what()};
                    }
                }
            });
    }
    preflight_summary summary;
    summary.hosts = hosts.size();
    for (auto& o : outcomes)
        if (o) summary.failed.push_back(std::move(*o));
    summary.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    return summary;
}

}  // namespace fleetmend
