// The scenario embedded in the binary: a small mixed fleet that shows
// changed, unchanged and failed hosts in one staged run.
#include "transports/lab/scenario.hpp"

namespace fleetmend::lab {

std::string_view default_scenario_text() noexcept {
    return R"toml(# fleetmend lab: default scenario
name = "default"
hosts = 40
address_base = "127.1.0.1"
name_pattern = "win{n:03}.lab.example"
domain = "LAB"
user = "Administrator"

[[group]]
name = "lab-http-ntlm"     # Windows out of the box: HTTP 5985, NTLM, sealed bodies
scheme = "http"
auth = "ntlm"
weight = 3

[[group]]
name = "lab-https-ntlm"
scheme = "https"
auth = "ntlm"
weight = 1

[[group]]
name = "lab-https-basic"
scheme = "https"
auth = "basic"
weight = 1

[types]                    # initial Teredo types, by weight
default = 4
client = 2
enterpriseclient = 1
disabled = 3

[[fault]]
kind = "not-elevated"      # apply fails: "requires elevation"
hosts = [17]

[[fault]]
kind = "policy-reenables"  # Group Policy turns Teredo back on after apply
hosts = [23]
policy_type = "client"

[[fault]]
kind = "down"
hosts = [31]
)toml";
}

}  // namespace fleetmend::lab
