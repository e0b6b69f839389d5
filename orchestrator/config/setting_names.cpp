#include "orchestrator/config/setting_names.hpp"

namespace fleetmend {
namespace {
using namespace std::string_view_literals;

constexpr std::array transport_kinds{
    std::pair{transport_kind::winrm, "winrm"sv},
    std::pair{transport_kind::ssh, "ssh"sv},
};
constexpr std::array winrm_schemes{
    std::pair{winrm_scheme::https, "https"sv},
    std::pair{winrm_scheme::http, "http"sv},
};
constexpr std::array winrm_auths{
    std::pair{winrm_auth::ntlm, "ntlm"sv},
    std::pair{winrm_auth::kerberos, "kerberos"sv},
    std::pair{winrm_auth::negotiate, "negotiate"sv},
    std::pair{winrm_auth::basic, "basic"sv},
    std::pair{winrm_auth::certificate, "certificate"sv},
};
constexpr std::array host_key_policies{
    std::pair{host_key_policy::strict, "strict"sv},
    std::pair{host_key_policy::accept_new, "accept-new"sv},
    std::pair{host_key_policy::off, "off"sv},
};
constexpr std::array shell_kinds{
    std::pair{shell_kind::cmd, "cmd"sv},
    std::pair{shell_kind::powershell, "powershell"sv},
    std::pair{shell_kind::sh, "sh"sv},
};
constexpr std::array failure_policies{
    std::pair{failure_policy::halt, "halt"sv},
    std::pair{failure_policy::rollback_host, "rollback-host"sv},
    std::pair{failure_policy::rollback_batch, "rollback-batch"sv},
    std::pair{failure_policy::rollback_all, "rollback-all"sv},
};
constexpr std::array host_orders{
    std::pair{host_order::inventory, "inventory"sv},
    std::pair{host_order::shuffle, "shuffle"sv},
    std::pair{host_order::sorted, "sorted"sv},
};
}  // namespace

name_table<transport_kind> transport_kind_names() noexcept { return transport_kinds; }
name_table<winrm_scheme> winrm_scheme_names() noexcept { return winrm_schemes; }
name_table<winrm_auth> winrm_auth_names() noexcept { return winrm_auths; }
name_table<host_key_policy> host_key_policy_names() noexcept { return host_key_policies; }
name_table<shell_kind> shell_kind_names() noexcept { return shell_kinds; }
name_table<failure_policy> failure_policy_names() noexcept { return failure_policies; }
name_table<host_order> host_order_names() noexcept { return host_orders; }

}  // namespace fleetmend
