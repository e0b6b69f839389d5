#include "orchestrator/engine/plan_preview.hpp"

#include "orchestrator/config/command_preview.hpp"
#include "orchestrator/report/names.hpp"

#include <map>

namespace fleetmend {
namespace {

std::map<std::string, std::string> fact_sources(const playbook& book) {
    std::map<std::string, std::string> sources;
    for (const auto& s : book.capture)
        for (const auto& rule : s.facts) sources[s.id + "." + rule.name] = s.id;
    return sources;
}

previewed_step preview(const step& s, const char* phase_word, const preview_values& values, std::string when) {
    previewed_step out;
    out.phase = phase_word;
    out.name = !s.name.empty() ? s.name : !s.id.empty() ? s.id : s.run;
    out.when = std::move(when);
    if (s.probe != probe_kind::none) {
        // The address is in the host's heading; the same words on every host
        // let alike hosts be shown once.
        out.shell = "workstation";
        out.command = "probe teredo: a Router Solicitation to UDP 3544 of the host's address";
    } else {
        out.shell = to_string(s.shell);
        out.command = preview_command(s.run, values);
    }
    return out;
}

std::string compliance_text(const playbook& book) {
    std::string text;
    for (const auto& [name, wanted] : book.compliant) text += (text.empty() ? "" : " and ") + name + " = " + wanted;
    return text;
}

/// One host's steps as lines (the text that groups hosts).
std::string steps_text(const std::vector<previewed_step>& steps) {
    std::string out;
    for (const auto& s : steps) {
        out += "  " + s.phase + std::string(s.phase.size() < 16 ? 16 - s.phase.size() : 1, ' ') + s.name;
        if (!s.when.empty()) out += "  (" + s.when + ")";
        out += "\n";
        if (!s.command.empty())
            out += "                  [" + s.shell + "] " + s.command + "\n";
    }
    return out;
}

}  // namespace

std::vector<previewed_step> preview_run(const playbook& book, const host_entry& host, failure_policy on_failure) {
    preview_values values{host.name, host.vars, {}, fact_sources(book)};
    std::vector<previewed_step> steps;
    for (const auto& s : book.capture) steps.push_back(preview(s, "capture", values, ""));
    const std::string test = compliance_text(book);
    if (!test.empty()) steps.push_back({"compliant?", test, "", "", "all hold: apply is skipped, the host is unchanged"});
    const std::string unless = test.empty() ? "" : "if not compliant";
    for (const auto& s : book.apply) steps.push_back(preview(s, "apply", values, unless));
    for (const auto& s : book.verify) steps.push_back(preview(s, "verify", values, unless));
    const std::string rollback_when = on_failure == failure_policy::halt
                                          ? "only by `fleetmend rollback --from REPORT`: on_failure is halt"
                                          : std::string("on failure: ") + failure_policy_name(on_failure);
    for (const auto& s : book.rollback) steps.push_back(preview(s, "rollback", values, rollback_when));
    return steps;
}

std::vector<previewed_step> preview_rollback(const playbook& book, const host_entry& host, const fact_map& facts_before) {
    preview_values values{host.name, host.vars, facts_before, fact_sources(book)};
    std::vector<previewed_step> steps;
    for (const auto& s : book.rollback) steps.push_back(preview(s, "rollback", values, ""));
    std::string expected;
    for (const auto& [name, value] : facts_before) expected += (expected.empty() ? "" : ", ") + name + " = " + value;
    for (const auto& s : book.capture)
        steps.push_back(preview(s, "rollback-verify", values, "must give back " + expected));
    return steps;
}

std::string render_previews(const std::vector<host_preview>& hosts, std::size_t max_names) {
    // Group hosts whose steps read alike, keeping first-seen order.
    std::vector<std::pair<std::string, std::vector<const host_preview*>>> groups;
    std::map<std::string, std::size_t> index;
    for (const auto& h : hosts) {
        const auto text = steps_text(h.steps);
        const auto [it, added] = index.try_emplace(text, groups.size());
        if (added) groups.push_back({text, {}});
        groups[it->second].second.push_back(&h);
    }
    std::string out;
    for (const auto& [text, members] : groups) {
        out += "\n" + std::to_string(members.size()) + (members.size() == 1 ? " host" : " hosts") + ":";
        for (std::size_t i = 0; i < members.size() && i < max_names; ++i) {
            const auto& c = members[i]->host->connection;
            out += (i ? ", " : " ") + members[i]->host->name + " (batch " + std::to_string(members[i]->batch) + ", " +
                   transport_name(c.kind) + " " + (c.address.empty() ? members[i]->host->name : c.address) + ")";
        }
        if (members.size() > max_names)
            out += " and " + std::to_string(members.size() - max_names) + " more (--json lists every host)";
        out += "\n" + text;
    }
    return out;
}

nlohmann::json previews_json(const std::vector<host_preview>& hosts) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& h : hosts) {
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : h.steps)
            steps.push_back({{"phase", s.phase}, {"name", s.name}, {"shell", s.shell}, {"command", s.command},
                             {"when", s.when}});
        out.push_back({{"host", h.host->name}, {"batch", h.batch}, {"steps", std::move(steps)}});
    }
    return out;
}

}  // namespace fleetmend
