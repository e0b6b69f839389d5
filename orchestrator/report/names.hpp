#pragma once
/// The words the report and the journal use for enums and times, and their
/// inverses. One table per enum so that writing and reading cannot drift.
#include "orchestrator/report/events.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace fleetmend {

[[nodiscard]] std::optional<run_mode> parse_run_mode(std::string_view text) noexcept;
[[nodiscard]] std::optional<host_status> parse_host_status(std::string_view text) noexcept;

/// "capture", "apply", "verify", "rollback", "rollback-verify". Kept here
/// (not config's to_string) so the report's words are owned by its schema.
[[nodiscard]] const char* phase_name(phase p) noexcept;
[[nodiscard]] std::optional<phase> parse_phase(std::string_view text) noexcept;

/// The words of to_string(host_phase) read back.
[[nodiscard]] std::optional<host_phase> parse_host_phase(std::string_view text) noexcept;

/// What the renderings show beside a step: why it failed, or, for a step
/// that reused an earlier step's output, which one.
[[nodiscard]] std::string step_note(const step_record& s);

/// Uses the transport seam's to_string(error_kind) words ("host_key", ...).
[[nodiscard]] std::optional<error_kind> parse_error_kind(std::string_view text) noexcept;

[[nodiscard]] const char* transport_name(transport_kind k) noexcept;  // "winrm" | "ssh"
[[nodiscard]] std::optional<transport_kind> parse_transport(std::string_view text) noexcept;

[[nodiscard]] const char* failure_policy_name(failure_policy p) noexcept;  // "rollback-batch", ...
[[nodiscard]] std::optional<failure_policy> parse_failure_policy(std::string_view text) noexcept;

[[nodiscard]] const char* host_order_name(host_order o) noexcept;
[[nodiscard]] std::optional<host_order> parse_host_order(std::string_view text) noexcept;

/// RFC 3339 UTC with milliseconds: "2026-11-27T08:15:00.123Z" (sub-millisecond
/// precision is truncated, so a journal or report keeps what this prints).
[[nodiscard]] std::string format_time(wall_time t);
/// Accepts what format_time writes, plus an optional fraction of any length
/// and a "Z" or "+HH:MM"/"-HH:MM" offset.
[[nodiscard]] std::optional<wall_time> parse_time(std::string_view text) noexcept;

/// Truncates to the precision the report keeps (milliseconds).
[[nodiscard]] inline wall_time to_report_precision(wall_time t) noexcept {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

}  // namespace fleetmend
