#include "orchestrator/config/toml_reader.hpp"
#include "orchestrator/config/bounded_file.hpp"

#include "orchestrator/config/closest_name.hpp"
#include "orchestrator/config/quantities.hpp"

#include <filesystem>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace fleetmend::config_detail {
namespace {

bool is_bare_key(std::string_view key) {
    if (key.empty()) return false;
    for (const char c : key) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        default: return "nothing";
    }
}

}  // namespace

std::string join_key(std::string_view prefix, std::string_view key) {
    std::string out(prefix);
    if (!out.empty()) out += '.';
    if (is_bare_key(key)) {
        out += key;
    } else {
        out += '"';
        out += key;
        out += '"';
    }
    return out;
}

std::string describe_value(const toml::node& node) {
    if (const auto* s = node.as_string()) {
        std::string text = s->get();
        if (text.size() > 60) text = text.substr(0, 57) + "...";
        return '"' + text + '"';
    }
    if (const auto* i = node.as_integer()) return std::to_string(i->get());
    if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
    if (const auto* f = node.as_floating_point()) {
        std::ostringstream out;
        out << f->get();
        return out.str();
    }
    return type_name(node);
}

std::string expand_home(std::string path) {
    if (path != "~" && !path.starts_with("~/")) return path;
    std::string home;
    if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0') {
        home = env;
    } else if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) {
        home = pw->pw_dir;
    } else {
        return path;  // nowhere to expand to; the open will fail with the path shown
    }
    return home + path.substr(1);
}

toml::source_region key_region(const toml::table& table, std::string_view key) {
    for (const auto& [k, v] : table)
        if (k.str() == key) return k.source().begin.line > 0 ? k.source() : v.source();
    return table.source();
}

toml::table toml_reader::parse() const {
    auto text = read_bounded_file(file_, max_config_bytes, "file");
    if (!text) {
        config_error error;
        error.file = file_;
        // The error names the file first, as config_error does again.
        const std::string named = file_ + ": ";
        error.message = text.error().starts_with(named) ? text.error().substr(named.size()) : text.error();
        throw config_failure{std::move(error)};
    }
    try {
        return toml::parse(*text, file_);
    } catch (const toml::parse_error& e) {
        config_error error;
        error.file = file_;
        error.line = static_cast<int>(e.source().begin.line);
        error.column = static_cast<int>(e.source().begin.column);
        error.message = std::string(e.description());
        if (error.line == 0) error.message += " (check the path and that the file is readable)";
        throw config_failure{std::move(error)};
    }
}

void toml_reader::fail(const toml::source_region& where, std::string key, std::string message) const {
    config_error error;
    error.file = file_;
    error.line = static_cast<int>(where.begin.line);
    error.column = static_cast<int>(where.begin.column);
    error.key = std::move(key);
    error.message = std::move(message);
    throw config_failure{std::move(error)};
}

void toml_reader::check_keys(const toml::table& table, std::string_view path,
                             std::span<const std::string_view> allowed) const {
    for (const auto& [k, v] : table) {
        bool known = false;
        for (const auto a : allowed) known = known || a == k.str();
        if (known) continue;
        std::string expected;
        for (const auto a : allowed) {
            if (!expected.empty()) expected += ", ";
            expected += a;
        }
        const std::string near = closest_name(k.str(), allowed);
        fail(k.source().begin.line > 0 ? k.source() : v.source(), join_key(path, k.str()),
             "unknown key; expected one of " + expected + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
}

std::string toml_reader::string(const toml::node& node, std::string_view key) const {
    if (const auto* s = node.as_string()) return s->get();
    fail(node, std::string(key), "expected a string, got " + describe_value(node));
}

bool toml_reader::boolean(const toml::node& node, std::string_view key) const {
    if (const auto* b = node.as_boolean()) return b->get();
    fail(node, std::string(key), "expected true or false, got " + describe_value(node));
}

std::int64_t toml_reader::integer(const toml::node& node, std::string_view key, std::int64_t min,
                                  std::int64_t max) const {
    const auto* i = node.as_integer();
    if (i == nullptr || i->get() < min || i->get() > max)
        fail(node, std::string(key),
             "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                 describe_value(node));
    return i->get();
}

std::chrono::milliseconds toml_reader::duration(const toml::node& node, std::string_view key) const {
    if (const auto* i = node.as_integer(); i != nullptr && i->get() >= 0 && i->get() <= 100'000'000)
        return std::chrono::seconds{i->get()};
    if (const auto* s = node.as_string()) {
        if (auto d = parse_duration(s->get())) return *d;
    }
    fail(node, std::string(key),
         "expected a duration such as \"500ms\", \"10s\", \"2m\", \"1h\" or a whole number of seconds, got " +
             describe_value(node));
}

std::uint64_t toml_reader::byte_size(const toml::node& node, std::string_view key) const {
    if (const auto* i = node.as_integer(); i != nullptr && i->get() > 0) return static_cast<std::uint64_t>(i->get());
    if (const auto* s = node.as_string()) {
        if (auto n = parse_byte_size(s->get()); n && *n > 0) return *n;
    }
    fail(node, std::string(key),
         "expected a size in bytes such as 1048576, \"64KiB\" or \"1MiB\", got " + describe_value(node));
}

std::string toml_reader::file_path(const toml::node& node, std::string_view key) const {
    std::string path = string(node, key);
    if (path.empty()) fail(node, std::string(key), "expected a file path, got an empty string");
    path = expand_home(std::move(path));
    // A relative path means "next to this file", as an admin who keeps the
    // inventory and its CA or password file in one folder expects, whatever
    // folder fleetmend is started from.
    const std::filesystem::path relative(path);
    if (relative.is_absolute()) return path;
    return (std::filesystem::path(file_).parent_path() / relative).lexically_normal().string();
}

std::vector<std::string> toml_reader::strings(const toml::node& node, std::string_view key) const {
    const auto& items = array(node, key);
    std::vector<std::string> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        out.push_back(string(*items.get(i), std::string(key) + '[' + std::to_string(i) + ']'));
    return out;
}

const toml::table& toml_reader::table(const toml::node& node, std::string_view key) const {
    if (const auto* t = node.as_table()) return *t;
    fail(node, std::string(key), "expected a table, got " + describe_value(node));
}

const toml::array& toml_reader::array(const toml::node& node, std::string_view key) const {
    if (const auto* a = node.as_array()) return *a;
    fail(node, std::string(key), "expected an array, got " + describe_value(node));
}

}  // namespace fleetmend::config_detail
