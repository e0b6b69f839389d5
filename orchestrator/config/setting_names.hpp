#pragma once
/// The words inventories, playbooks and `fleetmend inventory` use for the
/// enumerations of the model. One table per enumeration serves both parsing
/// and printing, so what we print can always be read back.
#include "orchestrator/config/playbook.hpp"
#include "transports/transport.hpp"

#include <array>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fleetmend {

template <typename Enum>
using name_table = std::span<const std::pair<Enum, std::string_view>>;

[[nodiscard]] name_table<transport_kind> transport_kind_names() noexcept;
[[nodiscard]] name_table<winrm_scheme> winrm_scheme_names() noexcept;
[[nodiscard]] name_table<winrm_auth> winrm_auth_names() noexcept;
[[nodiscard]] name_table<host_key_policy> host_key_policy_names() noexcept;
[[nodiscard]] name_table<shell_kind> shell_kind_names() noexcept;
[[nodiscard]] name_table<failure_policy> failure_policy_names() noexcept;
[[nodiscard]] name_table<host_order> host_order_names() noexcept;

/// The word for a value ("?" if the table lacks it, which is a bug).
template <typename Enum>
[[nodiscard]] std::string_view name_of(name_table<Enum> table, Enum value) noexcept {
    for (const auto& [v, n] : table)
        if (v == value) return n;
    return "?";
}

/// The value a word names, if any (exact, case-sensitive: TOML keys are too).
template <typename Enum>
[[nodiscard]] std::optional<Enum> value_of(name_table<Enum> table, std::string_view word) noexcept {
    for (const auto& [v, n] : table)
        if (n == word) return v;
    return std::nullopt;
}

/// "a, b, c" for error messages that list what was expected.
template <typename Enum>
[[nodiscard]] std::string names_list(name_table<Enum> table) {
    std::string out;
    for (const auto& [v, n] : table) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

[[nodiscard]] inline std::string_view name_of(transport_kind v) noexcept { return name_of(transport_kind_names(), v); }
[[nodiscard]] inline std::string_view name_of(winrm_scheme v) noexcept { return name_of(winrm_scheme_names(), v); }
[[nodiscard]] inline std::string_view name_of(winrm_auth v) noexcept { return name_of(winrm_auth_names(), v); }
[[nodiscard]] inline std::string_view name_of(host_key_policy v) noexcept { return name_of(host_key_policy_names(), v); }
[[nodiscard]] inline std::string_view name_of(failure_policy v) noexcept { return name_of(failure_policy_names(), v); }
[[nodiscard]] inline std::string_view name_of(host_order v) noexcept { return name_of(host_order_names(), v); }

}  // namespace fleetmend
