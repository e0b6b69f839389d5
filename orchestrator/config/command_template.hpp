#pragma once
/// Scanning command templates: the names a template uses, without filling it.
/// (Filling is render_command in playbook.hpp.)
#include <expected>
#include <functional>
#include <string>
#include <vector>

namespace fleetmend {

/// One "{{ name }}" of a template.
struct template_reference {
    std::string name;        // "teredo.type", "host.name", "vars.site"
    std::size_t offset = 0;  // where "{{" starts in the template
};

/// Every placeholder of `command_template`, in order. An unclosed "{{", an
/// empty name or characters other than letters, digits, '_', '-', '.' inside
/// the braces are errors (the message says which).
[[nodiscard]] std::expected<std::vector<template_reference>, std::string> scan_template(
    const std::string& command_template);

/// Replaces every placeholder with what `value_of(name)` gives; the first
/// error (a bad template, or one `value_of` returns) ends the fill.
[[nodiscard]] std::expected<std::string, std::string> fill_template(
    const std::string& command_template,
    const std::function<std::expected<std::string, std::string>(const std::string& name)>& value_of);

}  // namespace fleetmend
