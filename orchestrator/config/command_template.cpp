// Command templates: scanning, rendering with the safe-fact rule, and facts
// extracted from a capture step's output. Pure: data in, data out.
#include "orchestrator/config/command_template.hpp"
#include "orchestrator/config/playbook.hpp"

#include <stdexcept>

namespace fleetmend {
namespace {

bool name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// A regex that gives up on hostile input (boost throws on excessive
// backtracking) counts as "not safe".
bool fully_matches(const std::string& value, const pattern& safe) {
    try {
        return boost::regex_match(value, safe.compiled);
    } catch (const std::runtime_error&) {
        return false;
    }
}

}  // namespace

std::expected<std::vector<template_reference>, std::string> scan_template(const std::string& text) {
    std::vector<template_reference> refs;
    std::size_t at = 0;
    while ((at = text.find("{{", at)) != std::string::npos) {
        const auto close = text.find("}}", at + 2);
        if (close == std::string::npos)
            return std::unexpected("'{{' at offset " + std::to_string(at) + " is never closed with '}}'");
        const std::string name = trim(text.substr(at + 2, close - at - 2));
        if (name.empty()) return std::unexpected("empty '{{ }}' at offset " + std::to_string(at));
        for (const char c : name)
            if (!name_char(c))
                return std::unexpected("'{{" + name + "}}' is not a name; use {{capture.fact}}, {{host.name}} or {{vars.NAME}}");
        refs.push_back({name, at});
        at = close + 2;
    }
    return refs;
}

std::expected<std::string, std::string> fill_template(
    const std::string& command_template,
    const std::function<std::expected<std::string, std::string>(const std::string& name)>& value_of) {
    auto refs = scan_template(command_template);
    if (!refs) return std::unexpected(refs.error());
    std::string out;
    std::size_t copied = 0;
    for (const auto& ref : *refs) {
        out.append(command_template, copied, ref.offset - copied);
        copied = command_template.find("}}", ref.offset) + 2;
        auto value = value_of(ref.name);
        if (!value) return std::unexpected(value.error());
        out += *value;
    }
    out.append(command_template, copied);
    return out;
}

std::expected<std::string, std::string> render_command(const std::string& command_template,
                                                       const template_values& values, const pattern& safe_fact) {
    return fill_template(command_template, [&](const std::string& name) -> std::expected<std::string, std::string> {
        if (name == "host.name") return values.host_name;
        if (name.starts_with("vars.")) {
            // Vars come from the admin's own inventory: trusted as written.
            const auto it = values.vars.find(name.substr(5));
            if (it == values.vars.end())
                return std::unexpected("{{" + name + "}}: the host has no var '" + name.substr(5) +
                                       "'; add it under vars in the inventory");
            return it->second;
        }
        const auto it = values.facts.find(name);
        if (it == values.facts.end())
            return std::unexpected("{{" + name + "}}: fact '" + name +
                                   "' was not captured on this host (its capture regex did not match)");
        // Facts are remote output: only values the safe pattern fully
        // matches may become part of a command.
        if (!fully_matches(it->second, safe_fact))
            return std::unexpected("{{" + name + "}}: the captured value does not match the safe pattern " +
                                   safe_fact.text + "; refusing to put it into a command");
        return it->second;
    });
}

std::map<std::string, std::string> extract_facts(const step& capture_step, const std::string& stdout_text) {
    std::map<std::string, std::string> facts;
    for (const auto& rule : capture_step.facts) {
        boost::smatch match;
        try {
            if (!boost::regex_search(stdout_text, match, rule.regex.compiled)) continue;
        } catch (const std::runtime_error&) {
            continue;  // the regex gave up (too complex for this output): the fact is missing
        }
        const bool grouped = match.size() > 1;
        if (grouped && !match[1].matched) continue;
        // Windows output ends lines with "\r\n": surrounding blanks are layout, not value.
        facts[capture_step.id + "." + rule.name] = trim(grouped ? match[1].str() : match[0].str());
    }
    return facts;
}

}  // namespace fleetmend
