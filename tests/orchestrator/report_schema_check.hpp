#pragma once
// A tiny JSON Schema checker for the keywords our schema uses: $ref (local),
// type, required, properties, additionalProperties, items, enum, pattern.
// Enough to hold a built report to the shipped schema without a new package.
#include <nlohmann/json.hpp>

#include <regex>
#include <string>
#include <vector>

namespace fleetmend::test {

class schema_checker {
public:
    explicit schema_checker(nlohmann::json root) : root_(std::move(root)) {}

    /// Problems found, each "path: what"; empty when the document conforms.
    std::vector<std::string> check(const nlohmann::json& doc) {
        problems_.clear();
        visit(root_, doc, "$");
        return problems_;
    }

private:
    const nlohmann::json& resolve(const nlohmann::json& schema) {
        if (auto it = schema.find("$ref"); it != schema.end()) {
            const auto ref = it->get<std::string>();  // "#/$defs/name"
            return resolve(root_.at(nlohmann::json::json_pointer(ref.substr(1))));
        }
        return schema;
    }

    static bool has_type(const nlohmann::json& v, const std::string& t) {
        if (t == "object") return v.is_object();
        if (t == "array") return v.is_array();
        if (t == "string") return v.is_string();
        if (t == "integer") return v.is_number_integer();
        if (t == "number") return v.is_number();
        if (t == "boolean") return v.is_boolean();
        if (t == "null") return v.is_null();
        return false;
    }

    void visit(const nlohmann::json& schema_in, const nlohmann::json& v, const std::string& path) {
        const auto& schema = resolve(schema_in);
        if (auto t = schema.find("type"); t != schema.end()) {
            bool ok = false;
            if (t->is_string()) ok = has_type(v, *t);
            else
                for (const auto& one : *t) ok = ok || has_type(v, one);
            if (!ok) {
                problems_.push_back(path + ": expected type " + t->dump() + ", got " + v.dump());
                return;
            }
        }
        if (auto e = schema.find("enum"); e != schema.end()) {
            bool found = false;
            for (const auto& one : *e) found = found || one == v;
            if (!found) problems_.push_back(path + ": " + v.dump() + " not in " + e->dump());
        }
        if (auto p = schema.find("pattern"); p != schema.end() && v.is_string()) {
            if (!std::regex_search(v.get<std::string>(), std::regex(p->get<std::string>())))
                problems_.push_back(path + ": " + v.dump() + " does not match " + p->dump());
        }
        if (v.is_object()) {
            if (auto r = schema.find("required"); r != schema.end())
                for (const auto& key : *r)
                    if (!v.contains(key.get<std::string>())) problems_.push_back(path + ": missing " + key.dump());
            const auto props = schema.find("properties");
            const auto extra = schema.find("additionalProperties");
            for (const auto& [key, value] : v.items()) {
                if (props != schema.end() && props->contains(key)) {
                    visit(props->at(key), value, path + "." + key);
                } else if (extra != schema.end()) {
                    if (extra->is_boolean() && !extra->get<bool>())
                        problems_.push_back(path + ": unexpected key \"" + key + "\"");
                    else if (extra->is_object())
                        visit(*extra, value, path + "." + key);
                }
            }
        }
        if (v.is_array()) {
            if (auto items = schema.find("items"); items != schema.end())
                for (std::size_t i = 0; i < v.size(); ++i) visit(*items, v[i], path + "[" + std::to_string(i) + "]");
        }
    }

    nlohmann::json root_;
    std::vector<std::string> problems_;
};

}  // namespace fleetmend::test
