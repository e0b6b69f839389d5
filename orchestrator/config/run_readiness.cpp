#include "orchestrator/config/run_readiness.hpp"

#include "orchestrator/config/command_template.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

namespace fleetmend {
namespace {

/// Hosts that share one problem, named once: "web01, web02 and 8 more".
std::string host_list(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < 3; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > 3) out += " and " + std::to_string(names.size() - 3) + " more";
    return out;
}

std::string home_path(const std::string& relative) {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + "/" + relative;
}

/// (setting, path) -> hosts: every file a connection of a target will read.
std::map<std::pair<std::string, std::string>, std::vector<std::string>> needed_files(
    const std::vector<const host_entry*>& targets) {
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> files;
    auto need = [&](const char* setting, const std::string& path, const std::string& host) {
        if (!path.empty()) files[{setting, path}].push_back(host);
    };
    for (const auto* h : targets) {
        const auto& c = h->connection;
        if (h->password_source.from == secret_source::kind::file) need("password file", h->password_source.reference, h->name);
        if (c.kind == transport_kind::winrm) {
            if (c.winrm.scheme == winrm_scheme::https && !c.winrm.insecure) need("winrm.ca_file", c.winrm.ca_file, h->name);
            if (c.winrm.auth == winrm_auth::certificate) {
                need("winrm.cert_file", c.winrm.cert_file, h->name);
                need("winrm.key_file", c.winrm.key_file, h->name);
            }
        } else {
            // A missing key is skipped for the agent or the password: fatal only
            // when neither is there to fall back on.
            if (h->password_source.from == secret_source::kind::none && std::getenv("SSH_AUTH_SOCK") == nullptr)
                need("ssh.identity_file", c.ssh.identity_file, h->name);
            // strict refuses every host whose key it cannot check
            if (c.ssh.key_policy == host_key_policy::strict)
                need("ssh.known_hosts", c.ssh.known_hosts.empty() ? home_path(".ssh/known_hosts") : c.ssh.known_hosts,
                     h->name);
        }
    }
    return files;
}

std::string step_where(const playbook& book, const step& s, const char* phase_word) {
    return book.path + (s.line > 0 ? ":" + std::to_string(s.line) : "") + ": " + phase_word + " '" +
           (!s.name.empty() ? s.name : !s.id.empty() ? s.id : s.run) + "'";
}

}  // namespace

std::vector<readiness_problem> check_run_readiness(const inventory& inv, const playbook& book,
                                                   const std::vector<const host_entry*>& targets) {
    std::vector<readiness_problem> problems;
    for (const auto& [key, hosts] : needed_files(targets)) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(key.second, ec)) continue;
        problems.push_back({inv.path + ": " + key.first + " of " + host_list(hosts),
                            key.second + " does not exist or is not a file; the run would fail to connect"});
    }
    if (book.apply.empty())
        problems.push_back({book.path, "the playbook has no [[apply]] steps: a run would change nothing"});

    const std::pair<const char*, const std::vector<step>*> phases[] = {
        {"capture", &book.capture}, {"apply", &book.apply}, {"verify", &book.verify}, {"rollback", &book.rollback}};
    const bool linux_book = book.platform == "linux";
    for (const auto& [phase_word, steps] : phases) {
        for (const auto& s : *steps) {
            const auto where = step_where(book, s, phase_word);
            if (s.probe == probe_kind::none && linux_book != (s.shell == shell_kind::sh))
                problems.push_back({where, std::string("shell ") + to_string(s.shell) + " does not fit platform " +
                                               book.platform + " (use " + (linux_book ? "sh" : "cmd or powershell") + ")"});
            for (const auto* expect : {&s.expect.stdout_match, &s.expect.stderr_match})
                if (*expect && (*expect)->text.find("{{") != std::string::npos)
                    problems.push_back({where, "expect regex '" + (*expect)->text +
                                                   "' holds a {{...}} template, but expect regexes are never filled: "
                                                   "it would be matched as written"});
            auto refs = scan_template(s.run);
            if (!refs) continue;  // the loader reports template syntax
            for (const auto& ref : *refs) {
                if (ref.name.starts_with("vars.")) {
                    const auto var = ref.name.substr(5);
                    std::vector<std::string> lacking;
                    // The playbook's [vars] defaults count: a run fills them in.
                    if (!book.vars.contains(var))
                        for (const auto* h : targets)
                            if (!h->vars.contains(var)) lacking.push_back(h->name);
                    if (!lacking.empty())
                        problems.push_back({where, "{{" + ref.name + "}} is not defined for " + host_list(lacking) +
                                                       " (" + std::to_string(lacking.size()) + " of " +
                                                       std::to_string(targets.size()) + " targeted hosts); add '" + var +
                                                       "' under vars in the inventory"});
                }  // facts no capture defines: the loader refuses those already
            }
        }
    }
    return problems;
}

}  // namespace fleetmend
