#pragma once
/// Reading helpers shared by the event and report JSON readers. They throw
/// json_shape_error naming the offending key; the public readers catch it at
/// their boundary and return it as a value.
#include "orchestrator/report/names.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace fleetmend::json_read {

struct json_shape_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& key, const std::string& expected) {
    throw json_shape_error("'" + key + "': expected " + expected);
}

inline const nlohmann::json& field(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) fail(key, "an object around it");
    auto it = j.find(key);
    if (it == j.end()) fail(key, "this key (missing)");
    return *it;
}

inline std::string str(const nlohmann::json& j, const char* key) {
    const auto& v = field(j, key);
    if (!v.is_string()) fail(key, "a string");
    return v.get<std::string>();
}

/// A string that may be absent (older or hand-written files): empty then.
inline std::string str_or_empty(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) fail(key, "a string");
    return it->get<std::string>();
}

template <typename Int>
Int integer(const nlohmann::json& j, const char* key) {
    const auto& v = field(j, key);
    if (!v.is_number_integer()) fail(key, "an integer");
    return v.get<Int>();
}

inline bool boolean(const nlohmann::json& j, const char* key) {
    const auto& v = field(j, key);
    if (!v.is_boolean()) fail(key, "true or false");
    return v.get<bool>();
}

inline wall_time time(const nlohmann::json& j, const char* key) {
    auto t = parse_time(str(j, key));
    if (!t) fail(key, "an RFC 3339 time such as 2026-11-27T08:15:00.000Z");
    return *t;
}

inline std::optional<wall_time> optional_time(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return time(j, key);
}

template <typename T, typename Parse>
T word(const nlohmann::json& j, const char* key, Parse parse, const char* expected) {
    auto v = parse(str(j, key));
    if (!v) fail(key, expected);
    return *v;
}

inline std::optional<error_kind> optional_error_kind(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return word<error_kind>(j, key, parse_error_kind,
                            "an error kind (unreachable, auth, host_key, tls, timeout, protocol, remote_fault, config, cancelled)");
}

inline fact_map facts(const nlohmann::json& j, const char* key) {
    const auto& v = field(j, key);
    if (!v.is_object()) fail(key, "an object of fact name -> text");
    fact_map out;
    for (const auto& [name, value] : v.items()) {
        if (!value.is_string()) fail(std::string(key) + "." + name, "a string");
        out.emplace(name, value.get<std::string>());
    }
    return out;
}

inline nlohmann::json time_or_null(const std::optional<wall_time>& t) {
    return t ? nlohmann::json(format_time(*t)) : nlohmann::json(nullptr);
}

inline nlohmann::json error_kind_or_null(const std::optional<error_kind>& k) {
    return k ? nlohmann::json(to_string(*k)) : nlohmann::json(nullptr);
}

inline nlohmann::json shard_to_json(const shard_spec& shard) {
    return nlohmann::json{{"index", shard.index}, {"count", shard.count}};
}

/// "shard": {"index": K, "count": N}, absent or null when the run was not sharded.
inline std::optional<shard_spec> optional_shard(const nlohmann::json& j) {
    auto it = j.find("shard");
    if (it == j.end() || it->is_null()) return std::nullopt;
    shard_spec shard{integer<unsigned>(*it, "index"), integer<unsigned>(*it, "count")};
    if (shard.count == 0 || shard.index == 0 || shard.index > shard.count)
        fail("shard", "{\"index\": K, \"count\": N} with 1 <= K <= N");
    return shard;
}

inline nlohmann::json connection_to_json(const connection_figures& c) {
    return nlohmann::json{{"connections", c.connections}, {"authentications", c.authentications}, {"shells", c.shells}};
}

inline connection_figures read_connection(const nlohmann::json& j) {
    if (!j.is_object()) fail("connection", "an object with connections, authentications and shells");
    return {integer<unsigned>(j, "connections"), integer<unsigned>(j, "authentications"), integer<unsigned>(j, "shells")};
}

/// Throwing readers of the shared parts (defined in event_json.cpp).
step_record read_step(const nlohmann::json& j);
rollout_settings read_rollout(const nlohmann::json& j);

}  // namespace fleetmend::json_read
