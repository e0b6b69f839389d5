#include "rollout_support.hpp"

#include "report_schema_check.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace fleetmend::test {
namespace fs = std::filesystem;

namespace {

std::string scenario_text(const lab_setup& setup, const std::string& address_base) {
    return "name = \"rollout\"\nhosts = " + std::to_string(setup.hosts) + "\naddress_base = \"" + address_base +
           "\"\nname_pattern = \"win{n:03}.lab.example\"\ndomain = \"LAB\"\nuser = \"Administrator\"\n\n"
           "[[group]]\nname = \"lab-http-ntlm\"\nscheme = \"http\"\nauth = \"ntlm\"\n\n" +
           setup.types + "\n" + setup.faults + "\n";
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string lab_host_name(unsigned n) {
    const auto digits = std::to_string(n);
    return "win" + std::string(digits.size() < 3 ? 3 - digits.size() : 0, '0') + digits + ".lab.example";
}

rollout_lab::rollout_lab(const std::string& test_name, const lab_setup& setup) {
    dir_ = fs::temp_directory_path() / ("fleetmend-rollout-" + test_name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string base = "127." + std::to_string(setup.octet) + "." + std::to_string(::getpid() % 250 + 1) + ".1";
    lab::lab_options options;
    options.scenario_text = scenario_text(setup, base);
    options.directory = (dir_ / "lab").string();
    auto started = lab::lab_fleet::start(options);
    INFO("scenario:\n" << options.scenario_text);
    REQUIRE(started.has_value());
    fleet_ = std::move(*started);
}

rollout_lab::~rollout_lab() {
    if (fleet_) fleet_->stop();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

std::string rollout_lab::type_now(const std::string& host) const {
    const auto type = fleet_->current_type(host);
    return type ? std::string(lab::to_netsh(*type)) : std::string("?");
}

std::string rollout_lab::type_initially(const std::string& host) const {
    const auto* spec = fleet_->find(host);
    return spec ? std::string(lab::to_netsh(spec->initial_type)) : std::string("?");
}

std::string rollout_lab::short_name(const std::string& host) {
    std::string s = host.substr(0, host.find('.'));
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

fleetmend_run rollout_lab::fleetmend(const std::string& label, const std::vector<std::string>& args,
                                     std::chrono::seconds limit) {
    return run_fleetmend(args, dir_ / label, limit);
}

fleetmend_run rollout_lab::fleetmend_plain(const std::vector<std::string>& args, std::chrono::seconds limit) {
    auto quoted = [](const std::string& text) {
        std::string out = "'";
        for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return out + "'";
    };
    const fs::path log = dir_ / "plain.out";
    std::string command = "timeout " + std::to_string(limit.count()) + " " + quoted(FLEETMEND_BINARY);
    for (const auto& a : args) command += " " + quoted(a);
    command += " < /dev/null > " + quoted(log.string()) + " 2>&1";
    fleetmend_run run;
    const auto t0 = std::chrono::steady_clock::now();
    const int status = std::system(command.c_str());
    run.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.output = read_text(log);
    return run;
}

std::string file_text(const fs::path& path) { return read_text(path); }

fs::path rollout_lab::report_path(const std::string& label) const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_ / label, ec))
        if (entry.path().extension() == ".json") return entry.path();
    return {};
}

std::string shipped_playbook() { return read_text(fs::path(FLEETMEND_SOURCE_DIR) / "playbooks/teredo-disable.toml"); }

fs::path playbook_failing_verify_on(const fs::path& dir, const std::vector<std::string>& hosts) {
    std::string alternatives;
    for (const auto& h : hosts) alternatives += (alternatives.empty() ? "" : "|") + rollout_lab::short_name(h);
    const fs::path path = dir / "teredo-disable-failing-verify.toml";
    std::ofstream out(path);
    out << shipped_playbook()
        << "\n# Injected by the rollout suite: the verify of these hosts fails after a\n"
           "# successful apply, so the failure policy has a restorable host to act on.\n"
           "[[verify]]\nname = \"change window open\"\nrun = \"hostname\"\n"
           "expect = { stdout = '\\A(?!(?:"
        << alternatives << ")\\s)' }\n";
    return path;
}

std::vector<std::string> schema_problems(const nlohmann::json& report) {
    static const auto schema =
        nlohmann::json::parse(read_text(fs::path(FLEETMEND_SOURCE_DIR) / "orchestrator/report/fleetmend.report.schema.json"));
    schema_checker checker(schema);
    return checker.check(report);
}

std::string status_of(const nlohmann::json& report, const std::string& host) {
    const auto& entry = report_host(report, host);
    return entry.is_object() ? entry.value("status", "") : std::string();
}

int batch_of(const nlohmann::json& report, const std::string& host) {
    const auto& entry = report_host(report, host);
    return entry.is_object() ? entry.value("batch", 0) : 0;
}

std::vector<std::string> initial_types(const lab_setup& setup) {
    auto parsed = lab::parse_scenario(scenario_text(setup, "127.0.0.1"), "rollout scenario");
    REQUIRE(parsed.has_value());
    auto specs = lab::expand_hosts(*parsed);
    REQUIRE(specs.has_value());
    std::vector<std::string> types;
    for (const auto& spec : *specs) types.emplace_back(lab::to_netsh(spec.initial_type));
    return types;
}

namespace {
std::vector<std::string> step_starts(const nlohmann::json& host, const std::vector<std::string>& phases) {
    std::vector<std::string> starts;
    if (!host.is_object() || !host.contains("steps")) return starts;
    for (const auto& s : host["steps"])
        if (std::ranges::find(phases, s.value("phase", "")) != phases.end()) starts.push_back(s.value("started", ""));
    std::ranges::sort(starts);  // RFC 3339 UTC with milliseconds: text order is time order
    return starts;
}
}  // namespace

std::string first_step_start(const nlohmann::json& host, const std::vector<std::string>& phases) {
    const auto starts = step_starts(host, phases);
    return starts.empty() ? std::string() : starts.front();
}

std::string last_step_start(const nlohmann::json& host, const std::vector<std::string>& phases) {
    const auto starts = step_starts(host, phases);
    return starts.empty() ? std::string() : starts.back();
}

std::string describe(const fleetmend_run& run) {
    return "exit " + std::to_string(run.exit_code) + " after " + std::to_string(run.took.count()) +
           " ms; output:\n" + run.output;
}

}  // namespace fleetmend::test
