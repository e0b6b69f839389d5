#include "orchestrator/report/names.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <utility>

namespace fleetmend {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> find_by_name(const std::array<std::pair<Enum, const char*>, N>& table,
                                 std::string_view text) noexcept {
    for (const auto& [value, name] : table)
        if (text == name) return value;
    return std::nullopt;
}

template <typename Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) noexcept {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "unknown";
}

constexpr std::array<std::pair<run_mode, const char*>, 4> run_modes{{
    {run_mode::apply, "apply"}, {run_mode::check, "check"}, {run_mode::rollback, "rollback"}, {run_mode::audit, "audit"}}};

constexpr std::array<std::pair<host_status, const char*>, 8> host_statuses{{
    {host_status::changed, "changed"},
    {host_status::unchanged, "unchanged"},
    {host_status::would_change, "would-change"},
    {host_status::failed, "failed"},
    {host_status::rolled_back, "rolled-back"},
    {host_status::rollback_failed, "rollback-failed"},
    {host_status::unreachable, "unreachable"},
    {host_status::skipped, "skipped"}}};

constexpr std::array<std::pair<phase, const char*>, 5> phases{{
    {phase::capture, "capture"},
    {phase::apply, "apply"},
    {phase::verify, "verify"},
    {phase::rollback, "rollback"},
    {phase::rollback_verify, "rollback-verify"}}};

constexpr std::array<std::pair<transport_kind, const char*>, 2> transports{{
    {transport_kind::winrm, "winrm"}, {transport_kind::ssh, "ssh"}}};

constexpr std::array<std::pair<failure_policy, const char*>, 4> policies{{
    {failure_policy::halt, "halt"},
    {failure_policy::rollback_host, "rollback-host"},
    {failure_policy::rollback_batch, "rollback-batch"},
    {failure_policy::rollback_all, "rollback-all"}}};

constexpr std::array<std::pair<host_order, const char*>, 3> orders{{
    {host_order::inventory, "inventory"}, {host_order::shuffle, "shuffle"}, {host_order::sorted, "sorted"}}};

constexpr std::array<error_kind, 9> error_kinds{
    error_kind::unreachable, error_kind::auth,     error_kind::host_key,     error_kind::tls,
    error_kind::timeout,     error_kind::protocol, error_kind::remote_fault, error_kind::config,
    error_kind::cancelled};

bool parse_int(std::string_view text, int& out) noexcept {
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && p == end;
}

}  // namespace

const char* to_string(run_mode m) noexcept { return name_of(run_modes, m); }
const char* to_string(host_status s) noexcept { return name_of(host_statuses, s); }

std::optional<run_mode> parse_run_mode(std::string_view text) noexcept { return find_by_name(run_modes, text); }
std::optional<host_status> parse_host_status(std::string_view text) noexcept {
    return find_by_name(host_statuses, text);
}
const char* phase_name(phase p) noexcept { return name_of(phases, p); }
std::optional<phase> parse_phase(std::string_view text) noexcept { return find_by_name(phases, text); }

std::optional<host_phase> parse_host_phase(std::string_view text) noexcept {
    for (const auto p : {host_phase::connect, host_phase::capture, host_phase::compliant, host_phase::apply,
                         host_phase::verify, host_phase::rollback, host_phase::recapture, host_phase::done})
        if (text == to_string(p)) return p;
    return std::nullopt;
}

std::string step_note(const step_record& s) {
    if (!s.message.empty() || s.reused_from.empty()) return s.message;
    return "not run again: the output of '" + s.reused_from + "' (same command, nothing changed since)";
}

std::optional<error_kind> parse_error_kind(std::string_view text) noexcept {
    for (auto k : error_kinds)
        if (text == to_string(k)) return k;
    return std::nullopt;
}

const char* transport_name(transport_kind k) noexcept { return name_of(transports, k); }
std::optional<transport_kind> parse_transport(std::string_view text) noexcept {
    return find_by_name(transports, text);
}
const char* failure_policy_name(failure_policy p) noexcept { return name_of(policies, p); }
std::optional<failure_policy> parse_failure_policy(std::string_view text) noexcept {
    return find_by_name(policies, text);
}
const char* host_order_name(host_order o) noexcept { return name_of(orders, o); }
std::optional<host_order> parse_host_order(std::string_view text) noexcept { return find_by_name(orders, text); }

std::string format_time(wall_time t) {
    using namespace std::chrono;
    const auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
    // floor division so times before 1970 still print a valid instant
    auto secs = ms_total / 1000;
    auto ms = ms_total % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

std::optional<wall_time> parse_time(std::string_view text) noexcept {
    using namespace std::chrono;
    // YYYY-MM-DDTHH:MM:SS
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    int y, mo, d, h, mi, s;
    if (!parse_int(text.substr(0, 4), y) || !parse_int(text.substr(5, 2), mo) || !parse_int(text.substr(8, 2), d) ||
        !parse_int(text.substr(11, 2), h) || !parse_int(text.substr(14, 2), mi) || !parse_int(text.substr(17, 2), s))
        return std::nullopt;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    // wall_time counts nanoseconds: years outside about 1678..2261 overflow it
    // (fuzz_report_json found one). No report holds such a time.
    if (y < 1900 || y > 2200) return std::nullopt;
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
    std::size_t pos = 19;
    milliseconds frac{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int digits = 0, value = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 3) value = value * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) value *= 10;
        frac = milliseconds{value};
    }
    minutes offset{0};
    const auto zone = text.substr(pos);
    if (zone == "Z" || zone == "z") {
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        int oh, om;
        if (!parse_int(zone.substr(1, 2), oh) || !parse_int(zone.substr(4, 2), om)) return std::nullopt;
        offset = minutes{oh * 60 + om};
        if (zone[0] == '-') offset = -offset;
    } else {
        return std::nullopt;
    }
    const auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + frac - offset;
    return wall_time{duration_cast<wall_time::duration>(t.time_since_epoch())};
}

}  // namespace fleetmend
