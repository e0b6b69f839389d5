#pragma once
/// Reading typed values out of a parsed TOML document with errors that say
/// where (file:line:column), which key (dotted path) and what was expected.
/// Private to orchestrator/config: the loaders throw `config_failure` deep in
/// their recursive reads and turn it into a std::expected at their public
/// entry point, so no exception leaves this folder.
#include "orchestrator/config/config_error.hpp"
#include "orchestrator/config/setting_names.hpp"

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend::config_detail {

/// Carries a config_error out of nested reads to the loader's entry point.
struct config_failure {
    config_error error;
};

/// "groups.web" + "auth" -> "groups.web.auth"; keys that are not bare TOML
/// keys are quoted as the user would write them (hosts."web07.corp").
[[nodiscard]] std::string join_key(std::string_view prefix, std::string_view key);

/// How a value shows up in "got ..." (strings quoted, tables named, never long).
[[nodiscard]] std::string describe_value(const toml::node& node);

class toml_reader {
public:
    explicit toml_reader(std::string file) : file_(std::move(file)) {}

    /// Parses the file; a syntax error or an unreadable file is a config_failure.
    [[nodiscard]] toml::table parse() const;

    [[nodiscard]] const std::string& file() const noexcept { return file_; }

    [[noreturn]] void fail(const toml::source_region& where, std::string key, std::string message) const;
    [[noreturn]] void fail(const toml::node& where, std::string key, std::string message) const {
        fail(where.source(), std::move(key), std::move(message));
    }

    /// Every key of `table` must be one of `allowed`: a typo must not silently
    /// become a default.
    void check_keys(const toml::table& table, std::string_view path, std::span<const std::string_view> allowed) const;
    void check_keys(const toml::table& table, std::string_view path,
                    std::initializer_list<std::string_view> allowed) const {
        check_keys(table, path, std::span<const std::string_view>(allowed.begin(), allowed.size()));
    }

    [[nodiscard]] std::string string(const toml::node& node, std::string_view key) const;
    [[nodiscard]] bool boolean(const toml::node& node, std::string_view key) const;
    [[nodiscard]] std::int64_t integer(const toml::node& node, std::string_view key, std::int64_t min,
                                       std::int64_t max) const;
    /// A duration string ("10s") or an integer number of seconds.
    [[nodiscard]] std::chrono::milliseconds duration(const toml::node& node, std::string_view key) const;
    /// An integer number of bytes or a size string ("1MiB").
    [[nodiscard]] std::uint64_t byte_size(const toml::node& node, std::string_view key) const;
    /// A path; a leading "~/" becomes the user's home folder, and a relative
    /// path is taken from the folder of the file being read.
    [[nodiscard]] std::string file_path(const toml::node& node, std::string_view key) const;
    [[nodiscard]] std::vector<std::string> strings(const toml::node& node, std::string_view key) const;
    [[nodiscard]] const toml::table& table(const toml::node& node, std::string_view key) const;
    [[nodiscard]] const toml::array& array(const toml::node& node, std::string_view key) const;

    /// One of the words of an enumeration's name table.
    template <typename Enum>
    [[nodiscard]] Enum choice(const toml::node& node, std::string_view key, name_table<Enum> names) const {
        const auto* text = node.as_string();
        if (text != nullptr) {
            if (auto value = value_of(names, text->get())) return *value;
        }
        fail(node, std::string(key), "expected one of " + names_list(names) + ", got " + describe_value(node));
    }

private:
    std::string file_;
};

/// "~/x" -> "$HOME/x"; other paths unchanged.
[[nodiscard]] std::string expand_home(std::string path);

/// Source position of a key inside a table (toml++ records where each key was written).
[[nodiscard]] toml::source_region key_region(const toml::table& table, std::string_view key);

}  // namespace fleetmend::config_detail
