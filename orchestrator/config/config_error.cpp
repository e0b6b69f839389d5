#include "orchestrator/config/config_error.hpp"

namespace fleetmend {

std::string config_error::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) out += ':' + std::to_string(column);
    }
    if (!out.empty()) out += ": ";
    if (!key.empty()) out += "key '" + key + "': ";
    out += message;
    return out;
}

}  // namespace fleetmend
