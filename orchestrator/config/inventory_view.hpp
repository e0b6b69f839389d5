#pragma once
/// What `fleetmend inventory` shows: resolved hosts and settings with every
/// secret masked (the source and its reference only, never a value).
#include "orchestrator/config/inventory.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace fleetmend {

/// "env:FLEETMEND_PASSWORD", "file:/path", "prompt", "command:pass show x", "none".
[[nodiscard]] std::string describe_secret_source(const secret_source& source);

/// One host as JSON: name, address, port, transport, user, password source,
/// timeouts, groups, vars, jump hosts (first hop first), the settings of its
/// transport and where the SSH-related ones came from (inventory or ssh config FILE:LINE).
[[nodiscard]] nlohmann::json host_to_json(const host_entry& host);

/// One host on one line: "name  winrm https://address:5986/wsman  auth=ntlm  user=...  jump=u@bastion:22  password=env:X  groups=a,b".
[[nodiscard]] std::string host_to_line(const host_entry& host);

}  // namespace fleetmend
