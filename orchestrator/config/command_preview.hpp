#pragma once
/// What a command template will be on one host before anything runs (for
/// `fleetmend plan` and `rollback --check`): {{host.name}} and {{vars.NAME}}
/// filled from the inventory, facts filled where they are known and
/// otherwise named as placeholders that say where their value will come
/// from. Pure: nothing here contacts a host.
#include <map>
#include <string>

namespace fleetmend {

struct preview_values {
    std::string host_name;
    std::map<std::string, std::string> vars;
    /// Facts already known (rollback: from the report); others stay placeholders.
    std::map<std::string, std::string> facts;
    /// Fact name -> capture step id that will produce it ("teredo.type" -> "teredo").
    std::map<std::string, std::string> fact_sources;
};

/// The command as it will run, e.g. "netsh ... type=<teredo.type, from capture 'teredo'>".
/// A var no host defines or a fact no capture produces is shown as
/// "<vars.x: NOT DEFINED for this host>" / "<x: no capture step produces it>":
/// the run would fail that step.
[[nodiscard]] std::string preview_command(const std::string& command_template, const preview_values& values);

}  // namespace fleetmend
