#include "transports/lab/windows_shell.hpp"
#include "transports/encoding/ascii_text.hpp"
#include "transports/encoding/xml_text.hpp"

#include "transports/lab/base64_text.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace fleetmend::lab {
namespace {

command_output run_program(teredo_host& host, const host_identity& who, std::string_view command_line);

using encoding::lower;
using encoding::trim;

/// Splits like cmd.exe's argument parsing, enough for our commands: blanks
/// separate, double quotes group and are removed.
std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::string current;
    bool quoted = false;
    bool any = false;
    for (char c : line) {
        if (c == '"') {
            quoted = !quoted;
            any = true;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            if (any) words.push_back(std::move(current));
            current.clear();
            any = false;
        } else {
            current += c;
            any = true;
        }
    }
    if (any) words.push_back(std::move(current));
    return words;
}

std::string strip_exe(std::string word) {
    word = lower(word);
    if (const auto slash = word.find_last_of("\\/"); slash != std::string::npos) word = word.substr(slash + 1);
    if (word.ends_with(".exe")) word.resize(word.size() - 4);
    return word;
}

command_output not_recognized(std::string_view name) {
    return {{}, "'" + std::string(name) + "' is not recognized as an internal or external command,\r\n"
                "operable program or batch file.\r\n", 1};
}

command_output run_netsh(teredo_host& host, const std::vector<std::string>& words, std::string_view line) {
    // netsh interface teredo show state | set state ...; "int" is accepted for "interface".
    std::vector<std::string> w;
    for (std::size_t i = 1; i < words.size(); ++i) w.push_back(lower(words[i]));
    if (w.size() >= 2 && w[0] == "advfirewall" && w[1] == "firewall")
        return netsh_advfirewall(host, {words.begin() + 3, words.end()});
    if (w.size() >= 4 && (w[0] == "interface" || w[0] == "int") && w[1] == "teredo" && w[3] == "state") {
        if (w[2] == "show" && w.size() == 4) return netsh_show_state(host);
        if (w[2] == "set") {
            // Everything after "state", as typed (values keep their case).
            const auto at = lower(line).find("state");
            return netsh_set_state(host, line.substr(at + 5));
        }
    }
    return {"The following command was not found: " + std::string(trim(line.substr(line.find_first_of(" \t") + 1))) +
                ".\r\n",
            {}, 1};
}

command_output run_reg(teredo_host& host, const std::vector<std::string>& words) {
    if (words.size() >= 2 && (lower(words[1]) == "add" || lower(words[1]) == "delete"))
        return reg_change_teredo_policy(host, {words.begin() + 1, words.end()});
    if (words.size() >= 3 && lower(words[1]) == "query") {
        const std::string key = lower(words[2]);
        const bool teredo_key = key == "hklm\\software\\policies\\microsoft\\windows\\tcpip\\v6transition" ||
                                key == "hkey_local_machine\\software\\policies\\microsoft\\windows\\tcpip\\v6transition";
        const bool value_ok = words.size() < 5 || lower(words[4]) == "teredo_state";
        if (teredo_key && value_ok) return reg_query_teredo_policy(host, words[2]);
        return {{}, "ERROR: The system was unable to find the specified registry key or value.\r\n", 1};
    }
    return {{}, "ERROR: Invalid syntax.\r\nType \"REG /?\" for usage.\r\n", 1};
}

/// CLIXML writes CR and LF as _x000D_ and _x000A_; the rest is XML text.
std::string clixml_escape(std::string_view text) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\r' && text[i] != '\n') continue;
        out += xml_escape(text.substr(from, i - from));
        out += text[i] == '\r' ? "_x000D_" : "_x000A_";
        from = i + 1;
    }
    out += xml_escape(text.substr(from));
    return out;
}

/// PowerShell over WinRM writes its error stream as one CLIXML document.
std::string clixml_errors(const std::vector<std::string>& errors) {
    std::string out = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">";
    for (const auto& e : errors) out += "<S S=\"Error\">" + clixml_escape(e) + "_x000D__x000A_</S>";
    out += "</Objs>";
    return out;
}

/// `whoami /groups`: the integrity level says whether the token is elevated
/// (High Mandatory Level, S-1-16-12288) or filtered by UAC (Medium, S-1-16-8192).
command_output whoami_groups(const teredo_host& host) {
    std::string out =
        "\r\nGROUP INFORMATION\r\n-----------------\r\n\r\n"
        "Group Name                                 Type             SID          Attributes\r\n"
        "========================================== ================ ============ ==================================================\r\n"
        "Everyone                                   Well-known group S-1-1-0      Mandatory group, Enabled by default, Enabled group\r\n";
    out += host.elevated
               ? "BUILTIN\\Administrators                     Alias            S-1-5-32-544 Mandatory group, Enabled by default, Enabled group, Group owner\r\n"
                 "Mandatory Label\\High Mandatory Level       Label            S-1-16-12288\r\n"
               : "BUILTIN\\Administrators                     Alias            S-1-5-32-544 Group used for deny only\r\n"
                 "Mandatory Label\\Medium Mandatory Level     Label            S-1-16-8192\r\n";
    return {out, {}, 0};
}

/// The script of `powershell -EncodedCommand <b64>`, decoded; nullopt otherwise.
std::optional<std::string> encoded_script(const std::vector<std::string>& words) {
    if (words.empty() || (strip_exe(words[0]) != "powershell" && strip_exe(words[0]) != "pwsh")) return std::nullopt;
    for (std::size_t i = 1; i + 1 < words.size(); ++i) {
        const std::string flag = lower(words[i]);
        if (flag == "-encodedcommand" || flag == "-enc" || flag == "-e" || flag == "-ec") {
            const auto bytes = base64_decode(words[i + 1]);
            return bytes ? utf16le_to_utf8(*bytes) : std::nullopt;
        }
    }
    return std::nullopt;
}

/// A batch file as cmd.exe runs it: one command per line; exit code of the last.
command_output run_batch(teredo_host& host, const host_identity& who, std::string_view batch) {
    command_output out;
    while (!batch.empty()) {
        const auto end = batch.find('\n');
        std::string_view line = trim(batch.substr(0, end));
        batch = end == std::string_view::npos ? std::string_view{} : batch.substr(end + 1);
        if (line.empty() || lower(line) == "@echo off") continue;
        const auto ran = run_windows_command(host, who, line);
        out.stdout_text += ran.stdout_text;
        out.stderr_text += ran.stderr_text;
        out.exit_code = ran.exit_code;
    }
    return out;
}

command_output run_powershell(teredo_host& host, const host_identity& who, const std::vector<std::string>& words) {
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string flag = lower(words[i]);
        if ((flag == "-encodedcommand" || flag == "-enc" || flag == "-e" || flag == "-ec") && i + 1 < words.size()) {
            const auto bytes = base64_decode(words[i + 1]);
            const auto script = bytes ? utf16le_to_utf8(*bytes) : std::nullopt;
            if (!script)
                return {{}, "Cannot process the command because the value specified with -EncodedCommand is not "
                            "properly encoded. The value must be Base64 encoded.\r\n", 1};
            return run_powershell_script(host, who, *script);
        }
        if (flag == "-command" || flag == "-c") {
            std::string script;
            for (std::size_t j = i + 1; j < words.size(); ++j) script += (j > i + 1 ? " " : "") + words[j];
            return run_powershell_script(host, who, script);
        }
    }
    return {{}, "PowerShell in the lab runs only -EncodedCommand or -Command scripts.\r\n", 1};
}

}  // namespace

command_output run_powershell_script(teredo_host& host, const host_identity& who, std::string_view script) {
    // Statements split on ';' and newlines; enough for the one-liners playbooks send.
    std::vector<std::string> statements;
    std::string current;
    for (char c : script) {
        if (c == ';' || c == '\n' || c == '\r') {
            statements.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    statements.push_back(current);

    command_output out;
    std::vector<std::string> errors;
    bool last_failed = false;
    for (const auto& raw : statements) {
        const std::string_view statement = trim(raw);
        if (statement.empty()) continue;
        const std::string l = lower(statement);
        last_failed = false;
        if (l.starts_with("$progresspreference") || l.starts_with("$erroractionpreference")) continue;
        if (l.starts_with("(get-netteredoconfiguration).type")) {
            const std::string listing = get_net_teredo_configuration(host);
            const auto at = listing.find("Type ");
            const auto colon = listing.find(": ", at);
            out.stdout_text += listing.substr(colon + 2, listing.find("\r\n", colon) - colon - 2) + "\r\n";
        } else if (l.starts_with("get-netteredoconfiguration")) {
            out.stdout_text += get_net_teredo_configuration(host);
        } else if (l.starts_with("set-netteredoconfiguration")) {
            const auto words = split_words(statement);
            std::string type;
            for (std::size_t i = 1; i + 1 < words.size(); ++i)
                if (lower(words[i]) == "-type") type = words[i + 1];
            if (type.empty()) {
                errors.push_back("Set-NetTeredoConfiguration : Parameter set cannot be resolved using the specified named parameters.");
                last_failed = true;
            } else if (auto error = set_net_teredo_configuration(host, type); !error.empty()) {
                errors.push_back(std::move(error));
                last_failed = true;
            }
        } else if (l == "hostname" || l == "$env:computername") {
            out.stdout_text += std::string(who.host_name) + "\r\n";
        } else if (l.starts_with("write-output ") || l.starts_with("echo ")) {
            std::string text(trim(statement.substr(statement.find(' ') + 1)));
            if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"')) text = text.substr(1, text.size() - 2);
            out.stdout_text += text + "\r\n";
        } else if (l.starts_with("exit ")) {
            out.exit_code = std::atoi(std::string(statement.substr(5)).c_str());
            break;
        } else {
            const std::string name(statement.substr(0, statement.find(' ')));
            errors.push_back(name + " : The term '" + name +
                             "' is not recognized as the name of a cmdlet, function, script file, or operable "
                             "program. Check the spelling of the name, or if a path was included, verify that the "
                             "path is correct and try again.");
            last_failed = true;
        }
    }
    if (!errors.empty()) out.stderr_text = clixml_errors(errors);
    if (last_failed && out.exit_code == 0) out.exit_code = 1;
    return out;
}

namespace {

/// One command without operators; redirections at its end applied.
command_output run_simple(teredo_host& host, const host_identity& who, std::string_view command_line) {
    std::string_view line = trim(command_line);
    bool drop_stdout = false, drop_stderr = false, merge_stderr = false;
    for (;;) {
        const std::string l = lower(line);
        if (l.ends_with(" 2>&1")) merge_stderr = true, line = trim(line.substr(0, line.size() - 5));
        else if (l.ends_with(" 2>nul")) drop_stderr = true, line = trim(line.substr(0, line.size() - 6));
        else if (l.ends_with(" 1>nul")) drop_stdout = true, line = trim(line.substr(0, line.size() - 6));
        else if (l.ends_with(" >nul")) drop_stdout = true, line = trim(line.substr(0, line.size() - 5));
        else break;
    }
    command_output out = run_program(host, who, line);
    if (merge_stderr) {
        out.stdout_text += out.stderr_text;
        out.stderr_text.clear();
    }
    if (drop_stdout) out.stdout_text.clear();
    if (drop_stderr) out.stderr_text.clear();
    return out;
}

/// `if [not] "a"=="b" command`: cmd compares the quoted strings as typed.
std::optional<command_output> run_if(teredo_host& host, const host_identity& who, std::string_view line) {
    std::string_view rest = trim(line.substr(2));
    bool negate = false;
    if (lower(rest.substr(0, 4)) == "not ") {
        negate = true;
        rest = trim(rest.substr(4));
    }
    auto quoted = [&rest]() -> std::optional<std::string> {
        if (rest.empty() || rest.front() != '"') return std::nullopt;
        const auto end = rest.find('"', 1);
        if (end == std::string_view::npos) return std::nullopt;
        std::string value(rest.substr(1, end - 1));
        rest = rest.substr(end + 1);
        return value;
    };
    const auto left = quoted();
    if (!left || !rest.starts_with("==")) return std::nullopt;
    rest = rest.substr(2);
    const auto right = quoted();
    if (!right) return std::nullopt;
    if ((*left == *right) == negate) return command_output{};
    return run_windows_command(host, who, rest);
}

}  // namespace

bool reads_stdin(std::string_view command_line) {
    const auto script = encoded_script(split_words(trim(command_line)));
    return script && lower(*script).find("$input") != std::string::npos;
}

command_output run_windows_command_with_input(teredo_host& host, const host_identity& who,
                                              std::string_view command_line, std::string_view input) {
    const auto script = encoded_script(split_words(trim(command_line)));
    if (!script) return run_windows_command(host, who, command_line);
    const std::string l = lower(*script);
    if (l.find("[scriptblock]::create(") != std::string::npos) return run_powershell_script(host, who, input);
    if (l.find("writealltext") != std::string::npos && l.find("cmd.exe") != std::string::npos)
        return run_batch(host, who, input);
    return run_powershell_script(host, who, *script);
}

command_output run_windows_command(teredo_host& host, const host_identity& who, std::string_view command_line) {
    std::string_view line = trim(command_line);
    if (lower(line.substr(0, 3)) == "if ")
        if (auto done = run_if(host, who, line)) return *done;
    // cmd's operators, left to right, outside double quotes: A || B runs B
    // when A failed, A && B when it succeeded, A & B always.
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '"') quoted = !quoted;
        if (quoted || (line[i] != '|' && line[i] != '&')) continue;
        if (line[i] == '&' && i > 0 && line[i - 1] == '>') continue;  // 2>&1 is a redirection
        const bool twice = i + 1 < line.size() && line[i + 1] == line[i];
        if (line[i] == '|' && !twice) break;  // a pipe: not modelled
        command_output first = run_simple(host, who, line.substr(0, i));
        const std::string_view rest = line.substr(i + (twice ? 2 : 1));
        const bool run_rest = line[i] == '&' ? (!twice || first.exit_code == 0) : first.exit_code != 0;
        if (!run_rest) return first;
        command_output second = run_windows_command(host, who, rest);
        second.stdout_text = first.stdout_text + second.stdout_text;
        second.stderr_text = first.stderr_text + second.stderr_text;
        return second;
    }
    return run_simple(host, who, line);
}

namespace {

command_output run_program(teredo_host& host, const host_identity& who, std::string_view command_line) {
    std::string_view line = trim(command_line);
    auto words = split_words(line);
    if (words.empty()) return {};
    // "cmd /c X" runs X.
    if (strip_exe(words[0]) == "cmd" && words.size() > 1 && lower(words[1]) == "/c") {
        const auto at = lower(line).find("/c");
        return run_windows_command(host, who, line.substr(at + 2));
    }
    const std::string program = strip_exe(words[0]);
    if (program == "netsh") return run_netsh(host, words, line);
    if (program == "reg") return run_reg(host, words);
    if (program == "powershell" || program == "pwsh") return run_powershell(host, who, words);
    if (program == "hostname") return {std::string(who.host_name) + "\r\n", {}, 0};
    if (program == "whoami" && words.size() == 2 && lower(words[1]) == "/groups") return whoami_groups(host);
    if (program == "whoami") return {std::string(who.user) + "\r\n", {}, 0};
    if (program == "echo") return {std::string(trim(line.substr(4))) + "\r\n", {}, 0};
    if (program == "exit") return {{}, {}, words.size() > 1 ? std::atoi(words[1].c_str()) : 0};
    if (program == "wevtutil") return wevtutil_query(host, {words.begin() + 1, words.end()});
    if (program == "ping") return ping(host, {words.begin() + 1, words.end()});
    if (program == "dir" && words.size() == 2) return dir_share(host, words[1]);
    return not_recognized(words[0]);
}

}  // namespace

}  // namespace fleetmend::lab
