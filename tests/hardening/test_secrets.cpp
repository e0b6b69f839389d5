// Secrets never leak: the real fleetmend binary runs the Teredo playbook
// against the lab at -vv with the password from env, file and command, with
// wrong-password hosts so error paths run too; then every artifact a user or
// a log collector could see is searched for the password in every encoding.
#include "artifact_scan.hpp"
#include "transports/lab/lab.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace fleetmend;

namespace {

// Recognizable, long enough for the base64 window checks, no shell or TOML specials.
const std::string canary = "Fm-Canary-7Qz2Lk9Wp4Xs";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Runs fleetmend with stdin from /dev/null, bounded by coreutils timeout; returns the exit status.
int run_fleetmend(const std::string& args, const fs::path& out, const fs::path& err) {
    const std::string line = "timeout -k 5 180 " + shell_quote(FLEETMEND_BINARY) + " " + args + " </dev/null >" +
                             shell_quote(out.string()) + " 2>" + shell_quote(err.string());
    const int status = std::system(line.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string scenario_text(const std::string& address_base) {
    return "name = \"secrets\"\nhosts = 4\naddress_base = \"" + address_base +
           "\"\n"
           "name_pattern = \"sec{n:02}.lab.example\"\ndomain = \"LAB\"\nuser = \"Administrator\"\n"
           "password = \"" + canary + "\"\n"
           "[[group]]\nname = \"http-ntlm\"\nscheme = \"http\"\nauth = \"ntlm\"\n"
           "[[group]]\nname = \"https-basic\"\nscheme = \"https\"\nauth = \"basic\"\n"
           "[[group]]\nname = \"ssh\"\ntransport = \"ssh\"\n"
           "[types]\nclient = 1\n"
           "[[fault]]\nkind = \"wrong-password\"\nhosts = [2, 4]\n";
}

/// The lab's inventory with its password line replaced by `source`.
std::string inventory_with_password(const std::string& lab_inventory, const std::string& source) {
    std::istringstream in(lab_inventory);
    std::string line, out;
    bool replaced = false;
    while (std::getline(in, line)) {
        if (!replaced && line.rfind("password = ", 0) == 0) {
            line = "password = " + source;
            replaced = true;
        }
        out += line + "\n";
    }
    REQUIRE(replaced);
    return out;
}

bool owner_only(const fs::path& p) {
    const auto perms = fs::status(p).permissions();
    return (perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none;
}

}  // namespace

TEST_CASE("no artifact of a run holds the password, from any source, at -vv", "[secrets][integration]") {
    lab::lab_options options;
    options.address_base = "127.224." + std::to_string(::getpid() % 250 + 1) + ".1";
    options.http_port = 25985;
    options.https_port = 25986;
    options.ssh_port = 22222;
    options.scenario_text = scenario_text(options.address_base);
    auto started = lab::lab_fleet::start(options);
    if (!started) FAIL(started.error());
    auto& fleet = **started;
    REQUIRE(fleet.credentials().password == canary);

    const fs::path work = fs::path(fleet.directory()) / "hardening";
    fs::create_directories(work);
    const std::string lab_inventory = slurp(fleet.inventory_path());
    const auto forms = hardening::leak_forms(canary, "LAB\\Administrator");
    const std::string playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";

    struct source_case { std::string name, toml; };
    const std::vector<source_case> sources{
        {"env", "{ env = \"FLEETMEND_HARDENING_PASSWORD\" }"},
        {"file", "{ file = \"" + fleet.password_file() + "\" }"},
        {"command", "{ command = \"cat " + fleet.password_file() + "\" }"},
    };
    ::setenv("FLEETMEND_HARDENING_PASSWORD", canary.c_str(), 1);

    for (const auto& source : sources) {
        DYNAMIC_SECTION("password from " << source.name) {
            const fs::path dir = work / source.name;
            const fs::path reports = dir / "reports";
            fs::create_directories(reports);
            const fs::path inventory = dir / "inventory.toml";
            std::ofstream(inventory) << inventory_with_password(lab_inventory, source.toml);

            std::vector<fs::path> artifacts;
            auto run = [&](const std::string& name, const std::string& args) {
                const fs::path out = dir / (name + ".stdout"), err = dir / (name + ".stderr");
                const int rc = run_fleetmend(args, out, err);
                artifacts.push_back(out);
                artifacts.push_back(err);
                return rc;
            };

            const std::string inv = "-i " + shell_quote(inventory.string());
            const int run_rc = run("run", "-vv run " + inv + " " + shell_quote(playbook) + " --yes --batches 100% " +
                                              "--max-fail-percentage 100 --report-dir " + shell_quote(reports.string()));
            INFO("fleetmend run exit " << run_rc << "\n" << slurp(dir / "run.stderr").substr(0, 4000));
            CHECK(run_rc != -1);
            CHECK(run_rc != 0);  // the wrong-password hosts fail

            fs::path report, journal;
            for (const auto& e : fs::directory_iterator(reports)) {
                if (e.path().extension() == ".json") report = e.path();
                if (e.path().extension() == ".journal") journal = e.path();
            }
            REQUIRE_FALSE(report.empty());
            REQUIRE_FALSE(journal.empty());
            CHECK(owner_only(report));
            CHECK(owner_only(journal));
            artifacts.push_back(report);
            artifacts.push_back(journal);

            // The run reached hosts: the good ones changed, the wrong-password ones failed on auth.
            const std::string report_text = slurp(report);
            CHECK(report_text.find("\"changed\"") != std::string::npos);
            CHECK(report_text.find("auth") != std::string::npos);

            for (const std::string format : {"text", "markdown", "html", "junit", "json"}) {
                CHECK(run("report-" + format, "-vv report " + shell_quote(report.string()) + " --format " + format) == 0);
            }
            const fs::path rendered = dir / "rendered.html";
            CHECK(run("report-o", "report " + shell_quote(report.string()) + " --format html -o " +
                                      shell_quote(rendered.string())) == 0);
            if (fs::exists(rendered)) {
                CHECK(owner_only(rendered));
                artifacts.push_back(rendered);
            }
            CHECK(run("inventory", "-vv inventory " + inv) == 0);
            run("inventory-json", "-vv inventory " + inv + " --json");
            run("validate", "-vv validate " + inv + " " + shell_quote(playbook));
            // Rollback from the report: the restore path logs at -vv too.
            run("rollback", "-vv rollback " + inv + " --from " + shell_quote(report.string()) +
                                " --yes --max-fail-percentage 100 --report-dir " + shell_quote(reports.string()));
            for (const auto& e : fs::directory_iterator(reports))
                if (e.path() != report && e.path() != journal) artifacts.push_back(e.path());

            for (const auto& artifact : artifacts) {
                const std::string text = slurp(artifact);
                const auto found = hardening::leaks_in(text, forms);
                INFO(artifact.string() << " (" << text.size() << " bytes)");
                CHECK(found.empty());
                for (const auto& f : found) UNSCOPED_INFO("leaked as " << f);
            }
            // The run said something at -vv (so the scan looked at real logs).
            CHECK(slurp(dir / "run.stderr").size() + slurp(dir / "run.stdout").size() > 200);
        }
    }
    ::unsetenv("FLEETMEND_HARDENING_PASSWORD");
}
