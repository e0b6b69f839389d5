// What an admin meets around a run, with the real binary and the lab: a plan
// before the run, `rollback --check` and `inventory --limit @REPORT:STATUS`
// before acting, validate finding what a run would trip on, and the command
// line forgiving (did you mean, global flags after the command, JSON errors).
#include "rollout_support.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// TMPDIR for the children started while it lives; the old value comes back however the test ends.
class tmpdir_override {
public:
    explicit tmpdir_override(const fs::path& dir) {
        if (const char* old = std::getenv("TMPDIR")) old_ = old;
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~tmpdir_override() {
        if (old_) ::setenv("TMPDIR", old_->c_str(), 1);
        else ::unsetenv("TMPDIR");
    }
    tmpdir_override(const tmpdir_override&) = delete;
    tmpdir_override& operator=(const tmpdir_override&) = delete;

private:
    std::optional<std::string> old_;
};

std::string shipped_playbook_path() { return std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml"; }

}  // namespace

TEST_CASE("plan shows batches and per host the exact commands, facts named where a capture fills them, and runs nothing",
          "[rollout][plan][integration]") {
    rollout_lab lab("plan", {.hosts = 12, .octet = 75});
    const auto plan = lab.fleetmend_plain({"plan", "-i", lab.inventory(), shipped_playbook_path()});
    INFO(describe(plan));
    CHECK(plan.exit_code == 0);
    // the shipped rollout: a canary, 10%, 50%, 100%
    CHECK_THAT(plan.output, Catch::Contains("batch 1 (1 host): " + lab.hosts()[0]));
    CHECK_THAT(plan.output, Catch::Contains("12 hosts in "));
    CHECK_THAT(plan.output, Catch::Contains("[cmd] netsh interface teredo set state type=disabled"));
    CHECK_THAT(plan.output, Catch::Contains("type=<teredo.type, from capture 'teredo'>"));
    CHECK_THAT(plan.output, Catch::Contains("nothing was run"));
    for (const auto& host : lab.hosts()) CHECK(lab.commands(host) == 0u);  // no host was contacted

    const auto json = lab.fleetmend_plain({"plan", "-i", lab.inventory(), shipped_playbook_path(), "--json",
                                           "--limit", lab.hosts()[3]});
    INFO(describe(json));
    REQUIRE(json.exit_code == 0);
    const auto parsed = nlohmann::json::parse(json.output, nullptr, false);
    REQUIRE(parsed.is_object());
    REQUIRE(parsed["hosts"].size() == 1);
    CHECK(parsed["hosts"][0]["host"] == lab.hosts()[3]);
    bool saw_apply = false;
    for (const auto& step : parsed["hosts"][0]["steps"])
        if (step["phase"] == "apply") saw_apply = step["command"] == "netsh interface teredo set state type=disabled";
    CHECK(saw_apply);
}

TEST_CASE("rollback --check prints the commands a rollback would run from the report, and inventory --limit @REPORT "
          "previews a retry", "[rollout][plan][integration]") {
    rollout_lab lab("rb-check", {.hosts = 4, .octet = 76, .types = "[types]\nclient = 1\n",
                                 .faults = "[[fault]]\nkind = \"not-elevated\"\nhosts = [4]\n"});
    const auto run = lab.fleetmend("run", {"run", "-i", lab.inventory(), shipped_playbook_path(), "--yes",
                                           "--batches", "100%", "--max-fail-percentage", "100"});
    INFO(describe(run));
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 2);
    const auto source = lab.report_path("run").string();
    std::map<std::string, unsigned> applies;
    for (const auto& host : lab.hosts()) applies[host] = lab.applies(host);

    const auto check = lab.fleetmend_plain({"rollback", "-i", lab.inventory(), "--from", source, "--check"});
    INFO(describe(check));
    CHECK(check.exit_code == 0);
    CHECK_THAT(check.output, Catch::Contains("3 hosts:"));
    CHECK_THAT(check.output, Catch::Contains("[cmd] netsh interface teredo set state type=client"));
    CHECK_THAT(check.output, Catch::Contains("must give back teredo.type = client"));
    CHECK_THAT(check.output, Catch::Contains("nothing was run or changed"));
    for (const auto& host : lab.hosts()) {
        INFO(host);
        CHECK(lab.applies(host) == applies[host]);
        CHECK(lab.type_now(host) == (host == lab.hosts()[3] ? "client" : "disabled"));
    }

    const auto retry = lab.fleetmend_plain({"inventory", "-i", lab.inventory(), "--limit", "@" + source + ":failed"});
    INFO(describe(retry));
    CHECK(retry.exit_code == 0);
    CHECK_THAT(retry.output, Catch::Contains(lab.hosts()[3]));
    CHECK_THAT(retry.output, Catch::Contains("1 of 4 hosts"));
    CHECK_THAT(retry.output, !Catch::Contains(lab.hosts()[0] + " "));

    // the run's own lines carry the evidence of the refused apply
    CHECK_THAT(run.output, Catch::Contains("exit code 1, expected 0; stdout: 'The requested operation requires elevation"));
    // report merge names every source and refuses a check/apply mix unless --force
    const auto checked = lab.fleetmend("check", {"run", "-i", lab.inventory(), shipped_playbook_path(), "--check"});
    REQUIRE(checked.report.is_object());
    const auto merged = lab.dir() / "merged.json";
    const auto mix = lab.fleetmend_plain({"report", "merge", source, lab.report_path("check").string(), "-o",
                                          merged.string()});
    INFO(describe(mix));
    CHECK(mix.exit_code == 64);
    CHECK_THAT(mix.output, Catch::Contains("refusing to merge check and apply runs"));
    CHECK_THAT(mix.output, Catch::Contains("run " + run.report["run_id"].get<std::string>() + ", apply, inventory"));
    CHECK_FALSE(fs::exists(merged));
    const auto forced = lab.fleetmend_plain({"report", "merge", source, lab.report_path("check").string(), "-o",
                                             merged.string(), "--force"});
    INFO(describe(forced));
    CHECK(forced.exit_code == 0);
    CHECK(fs::exists(merged));

    // a hint never offers --check where it does not exist
    const auto resume_like = lab.fleetmend_plain({"rollback", "-i", lab.inventory(), "--from", source});
    CHECK(resume_like.exit_code == 64);
    CHECK_THAT(resume_like.output, Catch::Contains("add --check first"));
}

TEST_CASE("validate finds what a run would trip on: missing files, undefined vars, templates in expect, shells",
          "[rollout][validate][integration]") {
    rollout_lab lab("validate", {.hosts = 3, .octet = 77});
    // the lab's own inventory and the shipped playbook need nothing more
    const auto good = lab.fleetmend_plain({"validate", "-i", lab.inventory(), shipped_playbook_path()});
    INFO(describe(good));
    CHECK(good.exit_code == 0);

    std::string inventory = file_text(lab.inventory());
    inventory = std::regex_replace(inventory, std::regex("ca_file = \"[^\"]*\""), "ca_file = \"/nonexistent/ca.pem\"");
    inventory = std::regex_replace(inventory, std::regex("password = \\{ file = \"[^\"]*\" \\}"),
                                   "password = { file = \"/nonexistent/password\" }");
    const auto broken_inventory = lab.dir() / "broken-inventory.toml";
    std::ofstream(broken_inventory) << inventory;
    const auto playbook = lab.dir() / "broken-playbook.toml";
    std::ofstream(playbook) << "name = \"broken\"\nplatform = \"windows\"\ntargets = \"all\"\n\n"
                               "[[capture]]\nid = \"t\"\nrun = \"netsh interface teredo show state\"\n"
                               "facts.type = 'Type\\s*:\\s*(\\w+)'\n\n"
                               "[[apply]]\nname = \"tagged\"\nrun = \"echo {{vars.site}}\"\n\n"
                               "[[apply]]\nname = \"linuxish\"\nrun = \"true\"\nshell = \"sh\"\n\n"
                               "[[verify]]\nname = \"templated\"\nrun = \"netsh interface teredo show state\"\n"
                               "expect = { stdout = 'Type\\s*:\\s*{{t.type}}' }\n";
    const auto bad = lab.fleetmend_plain({"validate", "-i", broken_inventory.string(), playbook.string()});
    INFO(describe(bad));
    CHECK(bad.exit_code == 64);
    CHECK_THAT(bad.output, Catch::Contains("password file of"));
    CHECK_THAT(bad.output, Catch::Contains("/nonexistent/password does not exist"));
    // these lab hosts speak HTTP (sealed by NTLM): no CA is read, so none is asked for
    CHECK_THAT(bad.output, !Catch::Contains("ca.pem"));
    CHECK_THAT(bad.output, Catch::Contains("{{vars.site}} is not defined for"));
    CHECK_THAT(bad.output, Catch::Contains("shell sh does not fit platform windows"));
    CHECK_THAT(bad.output, Catch::Contains("expect regexes are never filled"));
}

TEST_CASE("the command line: did you mean, global flags after the command, JSON errors, --batches 0 refused",
          "[rollout][cli][integration]") {
    rollout_lab lab("cli", {.hosts = 2, .octet = 78});
    const auto typo = lab.fleetmend_plain({"rnu", "-i", lab.inventory()});
    CHECK(typo.exit_code == 64);
    CHECK_THAT(typo.output, Catch::Contains("unknown command 'rnu'; did you mean 'run'?"));

    const auto after = lab.fleetmend_plain({"validate", "-i", lab.inventory(), shipped_playbook_path(), "--json"});
    INFO(describe(after));
    CHECK(after.exit_code == 0);
    CHECK(nlohmann::json::parse(after.output, nullptr, false).is_object());

    const auto zero = lab.fleetmend_plain({"run", "-i", lab.inventory(), shipped_playbook_path(), "--batches", "0",
                                           "--yes", "--json"});
    INFO(describe(zero));
    CHECK(zero.exit_code == 64);
    CHECK_THAT(zero.output, Catch::Contains("\"event\":\"error\""));
    CHECK_THAT(zero.output, Catch::Contains("a host count must be at least 1"));
    for (const auto& host : lab.hosts()) CHECK(lab.commands(host) == 0u);

    const auto bad_flag = lab.fleetmend_plain({"run", "--json", "--no-such-flag"});
    CHECK(bad_flag.exit_code == 64);
    CHECK_THAT(bad_flag.output, Catch::Contains("\"event\":\"error\""));

    // Every command that reads a file says a missing one as a JSON error under
    // --json, naming the file once.
    const std::string missing = (lab.dir() / "missing.toml").string();
    const std::vector<std::vector<std::string>> readers{
        {"validate", "-i", missing, shipped_playbook_path(), "--json"},
        {"inventory", "-i", missing, "--json"},
        {"report", "--from-journal", missing, "--json"},
        {"plan", "-i", missing, shipped_playbook_path(), "--json"},
    };
    for (const auto& args : readers) {
        const auto refused = lab.fleetmend_plain(args);
        INFO(describe(refused));
        CHECK(refused.exit_code == 64);
        nlohmann::json error;
        std::istringstream lines(refused.output);
        for (std::string line; std::getline(lines, line);)
            if (line.starts_with("{")) error = nlohmann::json::parse(line, nullptr, false);
        REQUIRE(error.is_object());
        CHECK(error.value("event", "") == "error");
        CHECK(error.value("command", "") == args.front());
        const std::string message = error.value("message", "");
        CHECK(message.find(missing) == 0);
        CHECK(message.find(missing, 1) == std::string::npos);
    }
    // A lab of no hosts is refused, not silently the scenario's 40.
    const auto empty_lab = lab.fleetmend_plain({"lab", "--hosts", "0"});
    CHECK(empty_lab.exit_code == 64);
    CHECK_THAT(empty_lab.output, Catch::Contains("--hosts: Value 0 not in range 1 to 60000"));
}

TEST_CASE("bash completion and the man page come from the same definitions as --help", "[rollout][cli][integration]") {
    rollout_lab lab("completion", {.hosts = 1, .octet = 79});
    const auto script = lab.dir() / "fleetmend.bash";
    const auto bash = lab.fleetmend_plain({"completion", "bash"});
    REQUIRE(bash.exit_code == 0);
    std::ofstream(script) << bash.output;
    auto complete = [&](const std::string& words, int index) {
        const auto out = lab.dir() / "complete.out";
        const std::string command = "bash -c 'source " + script.string() + "; COMP_WORDS=(" + words +
                                    "); COMP_CWORD=" + std::to_string(index) +
                                    "; _fleetmend; printf \"%s\\n\" \"${COMPREPLY[@]}\"' > " + out.string() + " 2>&1";
        std::system(command.c_str());
        return file_text(out);
    };
    CHECK(complete("fleetmend ru", 1) == "run\n");
    CHECK_THAT(complete("fleetmend exec --sh", 2), Catch::Contains("--shell"));
    CHECK_THAT(complete("fleetmend rollback --ch", 2), Catch::Contains("--check"));

    // the zsh script is valid zsh and offers every command with its help text
    const auto zsh = lab.fleetmend_plain({"completion", "zsh"});
    REQUIRE(zsh.exit_code == 0);
    CHECK_THAT(zsh.output, Catch::StartsWith("#compdef fleetmend"));
    CHECK_THAT(zsh.output, Catch::Contains("'exec:Run one ad-hoc command"));
    if (::access("/usr/bin/zsh", X_OK) == 0) {
        const auto zsh_script = lab.dir() / "_fleetmend";
        std::ofstream(zsh_script) << zsh.output;
        CHECK(std::system(("zsh -n " + zsh_script.string()).c_str()) == 0);
    } else {
        WARN("zsh is missing (Debian's zsh package; .ci/setup installs it): its script was not parsed");
    }

    const auto man = lab.fleetmend_plain({"man"});
    REQUIRE(man.exit_code == 0);
    const auto page = lab.dir() / "fleetmend.1";
    std::ofstream(page) << man.output;
    const auto rendered = lab.dir() / "fleetmend.txt";
    REQUIRE(std::system(("groff -man -Tascii -P-cbou " + page.string() + " > " + rendered.string() + " 2>&1").c_str()) == 0);
    const auto text = file_text(rendered);
    const auto help = lab.fleetmend_plain({"exec", "--help"});
    for (const char* word : {"exec", "plan", "rollback", "--shell", "--check", "EXIT STATUS"}) {
        INFO(word);
        CHECK_THAT(text, Catch::Contains(word));
    }
    // the option's help text is the same words in both
    CHECK_THAT(help.output, Catch::Contains("Per-host command timeout"));
    CHECK_THAT(text, Catch::Contains("Per-host command timeout"));
}

TEST_CASE("demo takes the next free address base when the default one is taken, and exits as run would",
          "[rollout][cli][integration]") {
    // Hold the default lab's first WinRM port, as a running lab would.
    const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(holder >= 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(5985);
    ::inet_pton(AF_INET, "127.1.0.1", &at.sin_addr);
    const int one = 1;
    ::setsockopt(holder, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool held = ::bind(holder, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 && ::listen(holder, 1) == 0;
    // EADDRINUSE: something else holds it already, which is the case under test too
    rollout_lab lab("demo", {.hosts = 1, .octet = 80});
    // The demo's lab folders go below the test's own folder, removed with it.
    const auto temp = lab.dir() / "tmp";
    fs::create_directories(temp);
    const tmpdir_override tmpdir(temp);
    const auto demo = lab.fleetmend_plain({"demo", "--hosts", "3", "--report-dir", (lab.dir() / "demo").string()}, 180s);
    ::close(holder);
    INFO("port held by the test: " << held << "\n" << describe(demo));
    CHECK_THAT(demo.output, Catch::Contains("127.1.0.1 is taken"));
    CHECK(demo.exit_code != 70);
    CHECK((demo.exit_code == 0 || demo.exit_code == 2 || demo.exit_code == 3 || demo.exit_code == 4));
    CHECK_FALSE(lab.report_path("demo").empty());

    // a base the admin chose and that is taken: bad input, with what to do
    const int again = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(again >= 0);
    ::setsockopt(again, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::inet_pton(AF_INET, "127.81.0.1", &at.sin_addr);
    REQUIRE(::bind(again, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    REQUIRE(::listen(again, 1) == 0);
    const auto chosen = lab.fleetmend_plain({"demo", "--hosts", "2", "--address-base", "127.81.0.1", "--report-dir",
                                             (lab.dir() / "demo2").string()});
    ::close(again);
    INFO(describe(chosen));
    CHECK(chosen.exit_code == 64);
    CHECK_THAT(chosen.output, Catch::Contains("try another --address-base"));
}
