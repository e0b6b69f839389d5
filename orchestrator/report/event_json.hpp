#pragma once
/// Run events as JSON, losslessly (at the report's millisecond precision):
/// event_from_json(event_to_json(e)) equals e. The journal stores one per line.
/// Shape: {"event": "<name>", ...the struct's fields...}; times are RFC 3339 UTC.
#include "orchestrator/report/events.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <string>

namespace fleetmend {

/// "run_started", "host_finished", ... (the struct's name).
[[nodiscard]] const char* event_name(const run_event& event) noexcept;

[[nodiscard]] nlohmann::json event_to_json(const run_event& event);
/// Fails with a message naming the offending key when the shape is wrong.
[[nodiscard]] std::expected<run_event, std::string> event_from_json(const nlohmann::json& j);

[[nodiscard]] nlohmann::json step_to_json(const step_record& step);
[[nodiscard]] std::expected<step_record, std::string> step_from_json(const nlohmann::json& j);

/// Batches are written as the playbook writes them: 1, "10%".
[[nodiscard]] nlohmann::json rollout_to_json(const rollout_settings& rollout);
[[nodiscard]] std::expected<rollout_settings, std::string> rollout_from_json(const nlohmann::json& j);

}  // namespace fleetmend
