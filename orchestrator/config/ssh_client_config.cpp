#include "orchestrator/config/ssh_client_config.hpp"
#include "transports/encoding/ascii_text.hpp"

#include <glob.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fleetmend {

bool ssh_client_config::condition::matches(std::string_view name) const {
    if (parent != nullptr && !parent->matches(name)) return false;
    switch (what) {
        case kind::host:
        case kind::match_host: return ssh_pattern_list_matches(patterns, name);
        case kind::match_all: return true;
        case kind::never: return false;
    }
    return false;
}

namespace {

using encoding::lower;

std::string home() {
    if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return h;
    if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_dir;
    return "/";
}

std::string local_user() {
    if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
    return "root";
}

config_error error_at(const std::string& file, int line, std::string key, std::string message) {
    return config_error{file, line, 0, std::move(key), std::move(message)};
}

/// "Keyword args", "Keyword=args", double quotes group words.
std::expected<std::vector<std::string>, std::string> split_line(std::string_view line) {
    std::vector<std::string> words;
    std::size_t i = 0;
    const auto skip_space = [&] {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    };
    skip_space();
    const std::size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])) && line[i] != '=') ++i;
    words.emplace_back(line.substr(start, i - start));
    skip_space();
    if (i < line.size() && line[i] == '=') {
        ++i;
        skip_space();
    }
    while (i < line.size()) {
        std::string word;
        if (line[i] == '"') {
            const auto close = line.find('"', i + 1);
            if (close == std::string_view::npos) return std::unexpected("a quote is not closed");
            word = std::string(line.substr(i + 1, close - i - 1));
            i = close + 1;
        } else {
            const std::size_t w = i;
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            word = std::string(line.substr(w, i - w));
        }
        words.push_back(std::move(word));
        skip_space();
    }
    return words;
}

std::vector<std::string> split_commas(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    for (const auto& a : args) {
        std::size_t start = 0;
        for (;;) {
            const auto comma = a.find(',', start);
            if (comma > start) out.push_back(a.substr(start, comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

struct expansion_context {
    std::string host, remote_user, port;
};

/// %h %p %r %u %d %% and a leading ~, as ssh expands IdentityFile and UserKnownHostsFile.
std::string expand_tokens(const std::string& text, const expansion_context& c) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        switch (text[++i]) {
            case 'h': out += c.host; break;
            case 'p': out += c.port; break;
            case 'r': out += c.remote_user; break;
            case 'u': out += local_user(); break;
            case 'd': out += home(); break;
            case '%': out += '%'; break;
            default: out += '%', out += text[i];
        }
    }
    if (out == "~" || out.starts_with("~/")) out = home() + out.substr(1);
    return out;
}

}  // namespace

class ssh_config_reader {
public:
    explicit ssh_config_reader(ssh_client_config& config) : config_(config) {}

    std::expected<void, config_error> read(const std::string& file, const ssh_client_config::condition* enclosing,
                                           int depth) {
        using condition = ssh_client_config::condition;
        if (depth > 16) return std::unexpected(error_at(file, 0, "Include", "Include nests deeper than 16 files"));
        std::ifstream in(file);
        if (!in) return std::unexpected(error_at(file, 0, "ssh.config_file", "cannot read this ssh config file"));
        const condition* current = enclosing;
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            if (const auto hash = line.find('#'); hash != std::string::npos && line.find('"') == std::string::npos)
                line.erase(hash);
            auto words = split_line(line);
            if (!words) return std::unexpected(error_at(file, number, "", words.error()));
            if (words->front().empty()) continue;
            const std::string keyword = lower(words->front());
            std::vector<std::string> args(words->begin() + 1, words->end());
            if (keyword == "host" || keyword == "match") {
                if (args.empty())
                    return std::unexpected(error_at(file, number, words->front(), "expected patterns or criteria"));
                auto made = std::make_shared<condition>();
                made->parent = enclosing;
                if (keyword == "host") {
                    made->patterns = args;
                } else {
                    const std::string criterion = lower(args[0]);
                    if (criterion == "all") made->what = condition::kind::match_all;
                    else if ((criterion == "host" || criterion == "originalhost") && args.size() >= 2) {
                        made->what = condition::kind::match_host;
                        made->patterns = split_commas({args.begin() + 1, args.end()});
                    } else {
                        // exec, user, localuser, canonical...: not evaluated, so the block is not applied.
                        made->what = condition::kind::never;
                    }
                }
                current = made.get();
                config_.conditions_.push_back(std::move(made));
            } else if (keyword == "include") {
                for (const auto& pattern : args) {
                    std::string path = expand_tokens(pattern, {});
                    if (!std::filesystem::path(path).is_absolute()) path = home() + "/.ssh/" + path;
                    glob_t found{};
                    if (::glob(path.c_str(), 0, nullptr, &found) == 0) {
                        std::vector<std::string> files(found.gl_pathv, found.gl_pathv + found.gl_pathc);
                        ::globfree(&found);
                        for (const auto& f : files) {
                            std::error_code ec;
                            if (!std::filesystem::is_regular_file(f, ec)) continue;  // as ssh: only files
                            if (auto r = read(f, current, depth + 1); !r) return r;
                        }
                    } else {
                        ::globfree(&found);  // no match: ssh ignores it too
                    }
                }
            } else {
                config_.directives_.push_back({keyword, std::move(args), file, number, current});
            }
        }
        return {};
    }

private:
    ssh_client_config& config_;
};

std::expected<ssh_client_config, config_error> ssh_client_config::load(const std::string& path) {
    ssh_client_config config;
    config.path_ = path;
    ssh_config_reader reader(config);
    if (auto r = reader.read(path, nullptr, 0); !r) return std::unexpected(r.error());
    return config;
}

std::expected<ssh_config_host, config_error> ssh_client_config::resolve(const std::string& name) const {
    ssh_config_host out;
    const std::pair<const char*, std::optional<ssh_config_value> ssh_config_host::*> slots[] = {
        {"hostname", &ssh_config_host::host_name},
        {"user", &ssh_config_host::user},
        {"port", &ssh_config_host::port},
        {"identityfile", &ssh_config_host::identity_file},
        {"proxyjump", &ssh_config_host::proxy_jump},
        {"userknownhostsfile", &ssh_config_host::known_hosts},
        {"stricthostkeychecking", &ssh_config_host::strict_host_key_checking},
    };
    for (const auto& d : directives_) {
        if (d.when != nullptr && !d.when->matches(name)) continue;
        for (const auto& [keyword, slot] : slots) {
            if (d.keyword != keyword || (out.*slot).has_value()) continue;
            if (d.args.empty()) return std::unexpected(error_at(d.file, d.line, keyword, "expected a value"));
            // ProxyJump is one comma list; the others take their first word.
            out.*slot = ssh_config_value{d.args.front(), d.file, d.line};
        }
    }
    if (out.host_name) {
        std::string expanded;
        for (std::size_t i = 0; i < out.host_name->value.size(); ++i) {
            const char c = out.host_name->value[i];
            if (c == '%' && i + 1 < out.host_name->value.size()) {
                const char t = out.host_name->value[++i];
                expanded += t == 'h' ? name : t == '%' ? std::string("%") : std::string{'%', t};
            } else {
                expanded += c;
            }
        }
        out.host_name->value = expanded;
    }
    if (out.port) {
        unsigned value = 0;
        const auto& text = out.port->value;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535)
            return std::unexpected(error_at(out.port->file, out.port->line, "Port",
                                            "expected a port from 1 to 65535, got '" + text + "'"));
    }
    if (out.strict_host_key_checking) {
        auto& v = out.strict_host_key_checking->value;
        v = lower(v);
        if (v != "yes" && v != "no" && v != "ask" && v != "accept-new" && v != "off")
            return std::unexpected(error_at(out.strict_host_key_checking->file, out.strict_host_key_checking->line,
                                            "StrictHostKeyChecking",
                                            "expected yes, no, ask, accept-new or off, got '" + v + "'"));
    }
    const expansion_context context{out.host_name ? out.host_name->value : name,
                                    out.user ? out.user->value : local_user(), out.port ? out.port->value : "22"};
    for (auto* path : {&out.identity_file, &out.known_hosts})
        if (*path) (*path)->value = expand_tokens((*path)->value, context);
    return out;
}

bool ssh_pattern_matches(std::string_view pattern, std::string_view text) noexcept {
    // Iterative glob with one backtrack point: linear for the patterns ssh configs use.
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    const auto same = [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || same(pattern[p], text[t]))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool ssh_pattern_list_matches(const std::vector<std::string>& patterns, std::string_view text) noexcept {
    bool matched = false;
    for (const auto& p : patterns) {
        if (p.starts_with('!')) {
            if (ssh_pattern_matches(std::string_view(p).substr(1), text)) return false;
        } else if (ssh_pattern_matches(p, text)) {
            matched = true;
        }
    }
    return matched;
}

}  // namespace fleetmend
