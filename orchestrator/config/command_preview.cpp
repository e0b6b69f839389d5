#include "orchestrator/config/command_preview.hpp"

#include "orchestrator/config/command_template.hpp"

namespace fleetmend {

std::string preview_command(const std::string& command_template, const preview_values& values) {
    auto refs = scan_template(command_template);
    if (!refs) return command_template + "   <template error: " + refs.error() + ">";
    std::string out;
    std::size_t copied = 0;
    for (const auto& ref : *refs) {
        out.append(command_template, copied, ref.offset - copied);
        copied = command_template.find("}}", ref.offset) + 2;
        if (ref.name == "host.name") {
            out += values.host_name;
        } else if (ref.name.starts_with("vars.")) {
            const auto it = values.vars.find(ref.name.substr(5));
            out += it != values.vars.end() ? it->second : "<" + ref.name + ": NOT DEFINED for this host>";
        } else if (const auto known = values.facts.find(ref.name); known != values.facts.end()) {
            out += known->second;
        } else if (const auto source = values.fact_sources.find(ref.name); source != values.fact_sources.end()) {
            out += "<" + ref.name + ", from capture '" + source->second + "'>";
        } else {
            out += "<" + ref.name + ": no capture step produces it>";
        }
    }
    out.append(command_template, copied);
    return out;
}

}  // namespace fleetmend
