// load_playbook: reads the TOML playbook, compiles its regexes and checks that
// every template names something a run will know.
#include "orchestrator/config/command_template.hpp"
#include "orchestrator/config/maintenance_window.hpp"
#include "orchestrator/config/playbook.hpp"
#include "orchestrator/config/toml_reader.hpp"

#include <cmath>
#include <algorithm>
#include <set>

namespace fleetmend {
namespace {
using namespace config_detail;

constexpr const char* default_safe_fact_pattern = "^[A-Za-z0-9_.:-]+$";

bool identifier(std::string_view s) {
    if (s.empty()) return false;
    return std::ranges::all_of(s, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

class playbook_loader {
public:
    explicit playbook_loader(const std::string& path) : reader_(path) {}

    playbook load() {
        const toml::table root = reader_.parse();
        reader_.check_keys(root, "",
                           {"name", "description", "platform", "targets", "shell", "fact_safe_pattern", "rollout",
                            "capture", "compliant", "apply", "verify", "rollback", "vars"});
        playbook book;
        book.path = reader_.file();
        book.name = required_string(root, "name");
        if (const auto* d = root.get("description")) book.description = reader_.string(*d, "description");
        book.platform = required_string(root, "platform");
        if (book.platform != "windows" && book.platform != "linux")
            reader_.fail(*root.get("platform"), "platform",
                         "expected one of windows, linux, got \"" + book.platform + "\"");
        book.targets = required_string(root, "targets");
        default_shell_ = book.platform == "windows" ? shell_kind::cmd : shell_kind::sh;
        if (const auto* s = root.get("shell")) default_shell_ = reader_.choice(*s, "shell", shell_kind_names());
        book.safe_fact_pattern = root.get("fact_safe_pattern")
                                     ? compile(*root.get("fact_safe_pattern"), "fact_safe_pattern")
                                     : pattern{default_safe_fact_pattern, boost::regex(default_safe_fact_pattern)};
        if (const auto* r = root.get("rollout")) book.rollout = read_rollout(*r);
        book.capture = read_steps(root, "capture", phase::capture);
        book.apply = read_steps(root, "apply", phase::apply);
        book.verify = read_steps(root, "verify", phase::verify);
        book.rollback = read_steps(root, "rollback", phase::rollback);
        if (const auto* c = root.get("compliant")) book.compliant = read_compliant(*c);
        if (const auto* v = root.get("vars"))
            for (const auto& [k, value] : reader_.table(*v, "vars"))
                book.vars[std::string(k.str())] = reader_.string(value, join_key("vars", k.str()));
        if (book.apply.empty() && book.capture.empty() && book.verify.empty())
            reader_.fail(root.source(), "", "the playbook has no steps; add [[capture]], [[apply]] or [[verify]] steps");
        check_references(root, book);
        return book;
    }

private:
    std::string required_string(const toml::table& table, std::string_view key) {
        const auto* node = table.get(key);
        if (node == nullptr) reader_.fail(table.source(), std::string(key), "is missing; every playbook sets it");
        std::string value = reader_.string(*node, key);
        if (value.empty()) reader_.fail(*node, std::string(key), "must not be empty");
        return value;
    }

    pattern compile(const toml::node& node, const std::string& key) {
        const std::string text = reader_.string(node, key);
        try {
            // Perl syntax, but '.' stops at line ends as Perl's does by default.
            return pattern{text, boost::regex(text, boost::regex::perl | boost::regex::no_mod_s)};
        } catch (const boost::regex_error& e) {
            reader_.fail(node, key, std::string("invalid regular expression (Perl syntax): ") + e.what());
        }
    }

    rollout_settings read_rollout(const toml::node& node) {
        const auto& table = reader_.table(node, "rollout");
        reader_.check_keys(table, "rollout",
                           {"batches", "concurrency", "max_fail_percentage", "on_failure", "order",
                            "pause_between_batches", "window", "require_ticket", "preflight", "preflight_failure"});
        rollout_settings r;
        for (const auto& [k, v] : table) {
            const std::string key = join_key("rollout", k.str());
            if (k == "batches") r.batches = read_batches(v, key);
            else if (k == "concurrency") r.concurrency = static_cast<unsigned>(reader_.integer(v, key, 1, 100'000));
            else if (k == "max_fail_percentage") {
                const auto value = v.value<double>();  // integers convert too
                // NaN compares false both ways: only a finite number is a percentage.
                if (!value || !std::isfinite(*value) || *value < 0 || *value > 100 ||
                    !(v.is_integer() || v.is_floating_point()))
                    reader_.fail(v, key, "expected a percentage from 0 to 100, got " + describe_value(v));
                r.max_fail_percentage = *value;
            } else if (k == "on_failure") r.on_failure = reader_.choice(v, key, failure_policy_names());
            else if (k == "order") r.order = reader_.choice(v, key, host_order_names());
            else if (k == "pause_between_batches") r.pause_between_batches = reader_.duration(v, key);
            else if (k == "window") r.window = read_window(v, key);
            else if (k == "require_ticket") r.require_ticket = reader_.boolean(v, key);
            else if (k == "preflight") r.preflight = reader_.boolean(v, key);
            else if (k == "preflight_failure") {
                const std::string word = reader_.string(v, key);
                if (word != "exclude" && word != "stop")
                    reader_.fail(v, key, "expected one of exclude, stop, got \"" + word + "\"");
                r.preflight_stops_run = word == "stop";
            }
        }
        return r;
    }

    std::string read_window(const toml::node& node, const std::string& key) {
        const std::string text = reader_.string(node, key);
        auto window = parse_window(text);
        if (!window) reader_.fail(node, key, window.error());
        if (auto zone = find_time_zone(window->zone); !zone) reader_.fail(node, key, zone.error());
        return text;
    }

    std::vector<batch_size> read_batches(const toml::node& node, const std::string& key) {
        const auto& items = reader_.array(node, key);
        if (items.empty()) reader_.fail(node, key, "expected at least one batch size, such as [1, \"10%\", \"100%\"]");
        std::vector<batch_size> out;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const toml::node& item = *items.get(i);
            const std::string item_key = key + '[' + std::to_string(i) + ']';
            if (const auto* n = item.as_integer(); n != nullptr && n->get() >= 1 && n->get() <= 10'000'000) {
                out.push_back({false, static_cast<unsigned>(n->get())});
                continue;
            }
            if (const auto* s = item.as_string(); s != nullptr && s->get().size() >= 2 && s->get().back() == '%') {
                const std::string digits = s->get().substr(0, s->get().size() - 1);
                if (std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; }) && digits.size() <= 3) {
                    const unsigned percent = static_cast<unsigned>(std::stoul(digits));
                    if (percent >= 1 && percent <= 100) {
                        out.push_back({true, percent});
                        continue;
                    }
                }
            }
            reader_.fail(item, item_key,
                         "expected a host count of at least 1 or a percentage from \"1%\" to \"100%\", got " +
                             describe_value(item));
        }
        return out;
    }

    std::vector<step> read_steps(const toml::table& root, std::string_view section, phase in_phase) {
        std::vector<step> steps;
        const auto* node = root.get(section);
        if (node == nullptr) return steps;
        const auto& items = reader_.array(*node, section);
        for (std::size_t i = 0; i < items.size(); ++i)
            steps.push_back(read_step(*items.get(i), std::string(section) + '[' + std::to_string(i) + ']', in_phase));
        return steps;
    }

    step read_step(const toml::node& node, const std::string& path, phase in_phase) {
        const auto& table = reader_.table(node, path);
        if (in_phase == phase::capture)
            reader_.check_keys(table, path,
                               {"id", "name", "run", "probe", "shell", "expect", "facts", "timeout", "retries", "delay", "hint",
                                "only_if_set"});
        else
            reader_.check_keys(table, path,
                               {"name", "run", "probe", "shell", "expect", "timeout", "retries", "delay", "hint",
                                "only_if_set"});
        step s;
        s.in_phase = in_phase;
        s.shell = default_shell_;
        s.line = static_cast<int>(table.source().begin.line);
        const auto* run = table.get("run");
        const auto* probe = table.get("probe");
        if ((run == nullptr) == (probe == nullptr))
            reader_.fail(table.source(), path, "a step needs exactly one of run = \"command\" or probe = \"teredo\"");
        if (run != nullptr) {
            s.run = reader_.string(*run, path + ".run");
            if (s.run.empty()) reader_.fail(*run, path + ".run", "expected a command, got an empty string");
        } else {
            if (in_phase != phase::verify)
                reader_.fail(*probe, path + ".probe",
                             "a probe is sent from the workstation and changes nothing; use it under [[verify]]");
            const std::string kind = reader_.string(*probe, path + ".probe");
            if (kind != "teredo") reader_.fail(*probe, path + ".probe", "expected one of teredo, got \"" + kind + "\"");
            s.probe = probe_kind::teredo;
        }
        for (const auto& [k, v] : table) {
            const std::string key = join_key(path, k.str());
            if (k == "id") {
                s.id = reader_.string(v, key);
                if (!identifier(s.id)) reader_.fail(v, key, "expected letters, digits, '_' or '-' (it prefixes fact names)");
                if (!capture_ids_.insert(s.id).second) reader_.fail(v, key, "another capture step already uses id '" + s.id + "'");
            } else if (k == "name") s.name = reader_.string(v, key);
            else if (k == "shell") {
                if (probe != nullptr) reader_.fail(v, key, "a probe runs no shell; remove this key");
                s.shell = reader_.choice(v, key, shell_kind_names());
            } else if (k == "expect") read_expect(v, key, s);
            else if (k == "facts") read_facts(v, key, s);
            else if (k == "timeout") {
                s.timeout = reader_.duration(v, key);
                if (s.timeout.count() == 0) reader_.fail(v, key, "must be more than zero; leave it out to use the host's command_timeout");
            } else if (k == "retries") s.retries = static_cast<int>(reader_.integer(v, key, 0, 100));
            else if (k == "delay") s.delay = reader_.duration(v, key);
            else if (k == "hint") s.hint = reader_.string(v, key);
            else if (k == "only_if_set") {
                s.only_if_set = reader_.string(v, key);
                if (s.only_if_set.starts_with("vars.")) s.only_if_set.erase(0, 5);
                if (!identifier(s.only_if_set))
                    reader_.fail(v, key, "expected the name of a variable (\"smoke_target\" for {{vars.smoke_target}})");
            }
        }
        if (in_phase == phase::capture && s.id.empty())
            reader_.fail(table.source(), path + ".id", "a capture step needs an id; its facts are named id.fact");
        if (s.name.empty()) s.name = !s.id.empty() ? s.id : !s.run.empty() ? s.run : "probe teredo";
        return s;
    }

    void read_expect(const toml::node& node, const std::string& key, step& s) {
        if (s.probe != probe_kind::none) {
            const auto* text = node.as_string();
            if (text != nullptr && text->get() == "no-answer") s.probe_expect = probe_expectation::no_answer;
            else if (text != nullptr && text->get() == "answer") s.probe_expect = probe_expectation::answer;
            else reader_.fail(node, key, "expected one of no-answer, answer, got " + describe_value(node));
            return;
        }
        const auto& table = reader_.table(node, key);
        reader_.check_keys(table, key, {"exit", "stdout", "stderr"});
        for (const auto& [k, v] : table) {
            const std::string sub = join_key(key, k.str());
            if (k == "exit") {
                // Without `exit` the engine wants 0 unless an output pattern decides.
                if (const auto* word = v.as_string(); word != nullptr && word->get() == "any") s.expect.any_exit = true;
                else if (v.is_integer()) s.expect.exit_code = static_cast<int>(reader_.integer(v, sub, -2'147'483'648LL, 2'147'483'647LL));
                else reader_.fail(v, sub, "expected an exit code such as 0, or \"any\", got " + describe_value(v));
            } else if (k == "stdout") s.expect.stdout_match = compile(v, sub);
            else if (k == "stderr") s.expect.stderr_match = compile(v, sub);
        }
    }

    void read_facts(const toml::node& node, const std::string& key, step& s) {
        for (const auto& [name, value] : reader_.table(node, key)) {
            const std::string sub = join_key(key, name.str());
            if (!identifier(name.str())) reader_.fail(name.source(), sub, "a fact name uses letters, digits, '_' or '-'");
            s.facts.push_back({std::string(name.str()), compile(value, sub)});
        }
        // toml++ sorts keys; keep the order they were written in.
        const auto& table = reader_.table(node, key);
        std::ranges::stable_sort(s.facts, {}, [&](const fact_rule& f) {
            const auto where = key_region(table, f.name).begin;
            return std::pair{where.line, where.column};
        });
    }

    std::map<std::string, std::string> read_compliant(const toml::node& node) {
        std::map<std::string, std::string> out;
        for (const auto& [k, v] : reader_.table(node, "compliant"))
            out[std::string(k.str())] = reader_.string(v, join_key("compliant", k.str()));
        return out;
    }

    // Facts a step may use are those of earlier capture steps: the engine
    // fills templates in order.
    void check_references(const toml::table& root, const playbook& book) {
        std::set<std::string> known;
        std::vector<std::string> all_facts;
        for (const auto& c : book.capture)
            for (const auto& f : c.facts) all_facts.push_back(c.id + "." + f.name);
        const auto known_list = [&] {
            std::string list;
            for (const auto& f : all_facts) list += (list.empty() ? "" : ", ") + f;
            return list.empty() ? std::string("none (add facts to a [[capture]] step)") : list;
        };
        const auto check = [&](std::string_view section, std::size_t index, const std::set<std::string>& facts) {
            const std::string path = std::string(section) + '[' + std::to_string(index) + ']';
            const auto& table = *root.get(section)->as_array()->get(index)->as_table();
            for (const auto* field : {"run", "hint"}) {
                const auto* node = table.get(field);
                if (node == nullptr) continue;
                const std::string key = path + '.' + field;
                auto refs = scan_template(reader_.string(*node, key));
                if (!refs) reader_.fail(*node, key, refs.error());
                for (const auto& ref : *refs) {
                    if (ref.name == "host.name" || facts.contains(ref.name)) continue;
                    if (ref.name.starts_with("vars.") && ref.name.size() > 5) continue;
                    reader_.fail(*node, key, "{{" + ref.name + "}} names no fact a capture step defines before this step, nor "
                                             "host.name or vars.NAME; defined facts: " + known_list());
                }
            }
        };
        for (std::size_t i = 0; i < book.capture.size(); ++i) {
            check("capture", i, known);
            for (const auto& f : book.capture[i].facts) known.insert(book.capture[i].id + "." + f.name);
        }
        for (std::size_t i = 0; i < book.apply.size(); ++i) check("apply", i, known);
        for (std::size_t i = 0; i < book.verify.size(); ++i) check("verify", i, known);
        for (std::size_t i = 0; i < book.rollback.size(); ++i) check("rollback", i, known);
        if (const auto* node = root.get("compliant"))
            for (const auto& [k, v] : *node->as_table())
                if (!known.contains(std::string(k.str())))
                    reader_.fail(k.source(), join_key("compliant", k.str()),
                                 "names no fact a capture step defines; defined facts: " + known_list());
    }

    toml_reader reader_;
    shell_kind default_shell_ = shell_kind::cmd;
    std::set<std::string> capture_ids_;
};

}  // namespace

std::map<std::string, std::string> vars_for(const playbook& book, const std::map<std::string, std::string>& host_vars) {
    std::map<std::string, std::string> vars = host_vars;
    vars.insert(book.vars.begin(), book.vars.end());  // insert keeps the host's where both set one
    return vars;
}

const char* to_string(phase p) noexcept {
    switch (p) {
        case phase::capture: return "capture";
        case phase::apply: return "apply";
        case phase::verify: return "verify";
        case phase::rollback: return "rollback";
        case phase::rollback_verify: return "rollback-verify";
    }
    return "unknown";
}

std::expected<playbook, config_error> load_playbook(const std::string& path) {
    try {
        return playbook_loader(path).load();
    } catch (const config_failure& failure) {
        return std::unexpected(failure.error);
    }
}

}  // namespace fleetmend
