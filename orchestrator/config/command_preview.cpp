#include "orchestrator/config/command_preview.hpp"

#include "orchestrator/config/command_template.hpp"

namespace fleetmend {

std::string preview_command(const std::string& command_template, const preview_values& values) {
    auto filled = fill_template(command_template, [&](const std::string& name) -> std::expected<std::string, std::string> {
        if (name == "host.name") return values.host_name;
        if (name.starts_with("vars.")) {
            const auto it = values.vars.find(name.substr(5));
            return it != values.vars.end() ? it->second : "<" + name + ": NOT DEFINED for this host>";
        }
        if (const auto known = values.facts.find(name); known != values.facts.end()) return known->second;
        if (const auto source = values.fact_sources.find(name); source != values.fact_sources.end())
            return "<" + name + ", from capture '" + source->second + "'>";
        return "<" + name + ": no capture step produces it>";
    });
    return filled ? *filled : command_template + "   <template error: " + filled.error() + ">";
}

}  // namespace fleetmend
