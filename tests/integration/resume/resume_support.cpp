#include "resume_support.hpp"

#include "orchestrator/report/report.hpp"

#include <unistd.h>

#include <map>
#include <set>

namespace fleetmend::test {
namespace fs = std::filesystem;

trial_lab::~trial_lab() {
    if (fleet) fleet->stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (fleet) fs::remove_all(fleet->directory(), ec);
}

std::unique_ptr<trial_lab> start_lab(const lab_shape& shape, unsigned index) {
    std::string text = "name = \"resume\"\nhosts = " + std::to_string(shape.hosts) +
                       "\naddress_base = \"127.1.0.1\"\nname_pattern = \"win{n:03}.lab.example\"\n"
                       "domain = \"LAB\"\nuser = \"Administrator\"\n"
                       // One password for every lab of this process: labs started
                       // side by side then share gss-ntlmssp's (process-wide) user file.
                       "password = \"Resume-" + std::to_string(::getpid()) + "-lab\"\n"
                       "[[group]]\nname = \"lab-http-ntlm\"\nscheme = \"http\"\nauth = \"ntlm\"\nweight = 3\n"
                       "[[group]]\nname = \"lab-https-basic\"\nscheme = \"https\"\nauth = \"basic\"\nweight = 1\n"
                       "[types]\ndefault = 3\nclient = 2\nenterpriseclient = 1\ndisabled = 2\n";
    if (shape.slow_percent > 0)
        text += "[[fault]]\nkind = \"slow\"\npercent = " + std::to_string(shape.slow_percent) + "\nlatency = \"" +
                shape.slow_latency + "\"\n";
    if (!shape.not_elevated.empty()) {
        text += "[[fault]]\nkind = \"not-elevated\"\nhosts = [";
        for (std::size_t i = 0; i < shape.not_elevated.size(); ++i)
            text += (i ? ", " : "") + std::to_string(shape.not_elevated[i]);
        text += "]\n";
    }
    if (!shape.hanging.empty()) {
        text += "[[fault]]\nkind = \"hang\"\nhosts = [";
        for (std::size_t i = 0; i < shape.hanging.size(); ++i)
            text += (i ? ", " : "") + std::to_string(shape.hanging[i]);
        text += "]\n";
    }
    auto lab = std::make_unique<trial_lab>();
    lab->dir = fs::temp_directory_path() /
               ("fleetmend-resume-" + std::to_string(::getpid()) + "-" + std::to_string(index));
    fs::remove_all(lab->dir);
    lab->report_dir = lab->dir / "reports";
    fs::create_directories(lab->report_dir);
    lab::lab_options options;
    options.scenario_text = text;
    options.directory = (lab->dir / "lab").string();
    fs::create_directories(options.directory);
    // 127.150-209.x.1: a range of its own per lab, varied by pid across runs.
    options.address_base = "127." + std::to_string(150 + index % 60) + "." + std::to_string(::getpid() % 250 + 1) + ".1";
    auto started = lab::lab_fleet::start(options);
    if (!started) throw std::runtime_error("the lab did not start: " + started.error());
    lab->fleet = std::move(*started);
    return lab;
}

std::vector<std::string> run_args(const trial_lab& lab, const std::string& batches, unsigned concurrency) {
    return {"run", "-i", lab.fleet->inventory_path(), teredo_playbook, "--yes", "--batches", batches,
            "--concurrency", std::to_string(concurrency), "--max-fail-percentage", "100", "--on-failure", "halt",
            "--report-dir", lab.report_dir.string()};
}

fs::path find_journal(const fs::path& report_dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(report_dir, ec))
        if (entry.path().extension() == ".journal") return entry.path();
    return {};
}

std::uintmax_t size_of(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    return ec ? 0 : size;
}

std::vector<std::string> whole_run_problems(const lab::lab_fleet& fleet, const fs::path& report_path) {
    std::vector<std::string> problems;
    auto report = read_report_file(report_path.string());
    if (!report) return {"no report: " + report.error()};
    if (report->run_id != report_path.stem().string()) problems.push_back("run id " + report->run_id);
    if (!report->complete || report->interrupted) problems.push_back("the report is not of a complete run");
    const auto names = fleet.host_names();
    if (report->hosts.size() != names.size())
        problems.push_back(std::to_string(report->hosts.size()) + " hosts reported, the lab has " +
                           std::to_string(names.size()));
    std::set<std::string> seen;
    std::map<std::string, int> expected_counts;
    for (const auto& h : report->hosts) {
        if (!seen.insert(h.name).second) problems.push_back(h.name + " reported twice");
        const auto* spec = fleet.find(h.name);
        if (!spec) {
            problems.push_back(h.name + " is not a lab host");
            continue;
        }
        const std::string initial(lab::to_netsh(spec->initial_type));
        const bool fails = spec->faults.not_elevated && initial != "disabled";
        const std::string status = initial == "disabled" ? "unchanged" : fails ? "failed" : "changed";
        ++expected_counts[status];
        const std::string now(lab::to_netsh(fleet.current_type(h.name).value_or(lab::teredo_type::server)));
        const auto before = h.facts_before.find("teredo.type");
        const unsigned applies = fleet.counters(h.name).applies;
        std::string wrong;
        if (status_word(h) != status) wrong += " status " + status_word(h) + " (want " + status + ")";
        if (before == h.facts_before.end() || before->second != initial)
            wrong += " facts before " + (before == h.facts_before.end() ? std::string("missing") : before->second) +
                     " (want " + initial + ")";
        if (now != (fails ? initial : std::string("disabled"))) wrong += " now " + now;
        if (applies != (status == "changed" ? 1u : 0u)) wrong += " applies " + std::to_string(applies);
        if (!wrong.empty()) problems.push_back(h.name + ":" + wrong + " [" + h.message + "]");
    }
    for (const auto& [status, n] : expected_counts)
        if (report->summary.at(status) != n)
            problems.push_back("summary " + status + " = " + std::to_string(report->summary.at(status)) +
                               ", want " + std::to_string(n));
    if (report->summary.at("unfinished") != 0) problems.push_back("unfinished hosts in the summary");
    if (problems.size() > 12) problems.resize(12);
    return problems;
}

}  // namespace fleetmend::test
