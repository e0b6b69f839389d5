// The live progress view in a real terminal: fleetmend runs inside a tmux
// pane against the lab with one slow host and one that is down, and the
// pane (capture-pane) must show the elapsed clock moving while no event
// arrives, the slow host named among those in flight with how long it runs,
// and failed and unreachable hosts counted apart.
#include "rollout_support.hpp"
#include "tests/integration/support/child_process.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace fleetmend::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* tmux = "/usr/bin/tmux";

std::string shell_output(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    std::string out;
    if (!pipe) return out;
    std::array<char, 4096> buf{};
    while (auto n = std::fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
    return out;
}

std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// A tmux server of its own (-L socket), killed with everything in it at the end.
class tmux_session {
public:
    explicit tmux_session(std::string socket) : socket_(std::move(socket)) {}
    ~tmux_session() { std::system((base() + " kill-server 2>/dev/null").c_str()); }
    tmux_session(const tmux_session&) = delete;
    tmux_session& operator=(const tmux_session&) = delete;

    int start(const std::string& command) const {
        return std::system((base() + " new-session -d -s live -x 250 -y 40 " + quoted(command)).c_str());
    }
    [[nodiscard]] std::string pane() const { return shell_output(base() + " capture-pane -p -t live 2>/dev/null"); }
    /// Closes the session as a closed terminal window does: its pane's processes get SIGHUP.
    void kill() const { std::system((base() + " kill-session -t live 2>/dev/null").c_str()); }

private:
    [[nodiscard]] std::string base() const { return std::string(tmux) + " -L " + socket_ + " -f /dev/null"; }
    std::string socket_;
};

/// The last status line on the pane ("... elapsed | batch ..."), or "".
std::string status_line(const std::string& pane) {
    std::string last;
    std::istringstream lines(pane);
    for (std::string line; std::getline(lines, line);)
        if (line.find(" elapsed | batch ") != std::string::npos) last = line;
    return last;
}

}  // namespace

TEST_CASE("the live view in a terminal: a moving clock, the slow host by name, failed and unreachable apart",
          "[rollout][progress][integration]") {
    skip_unless_executable(tmux, "tmux");
    rollout_lab lab("live", {.hosts = 5, .octet = 73,
                             .types = "[types]\nclient = 1\n",
                             .faults = "[[fault]]\nkind = \"slow\"\nhosts = [3]\nlatency = \"4s\"\n\n"
                                       "[[fault]]\nkind = \"down\"\nhosts = [5]\n"});
    const auto slow = lab.hosts()[2];
    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    const auto done_mark = lab.dir() / "exit-status";
    const std::string command = quoted(FLEETMEND_BINARY) + " run -i " + quoted(lab.inventory()) + " " +
                                quoted(playbook) + " --check --batches 100% --max-fail-percentage 100 --report-dir " + quoted((lab.dir() / "live").string()) +
                                "; echo $? > " + quoted(done_mark.string()) + "; sleep 600";
    tmux_session session("fleetmend-live-" + std::to_string(::getpid()));
    REQUIRE(session.start(command) == 0);

    // While only the slow host is in flight, no event arrives for seconds:
    // the line must still change (the clock and its running time move).
    std::set<std::string> lines_with_slow_host_alone;
    std::string pane;
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (!std::filesystem::exists(done_mark) && std::chrono::steady_clock::now() < deadline) {
        pane = session.pane();
        const auto line = status_line(pane);
        if (line.find("| 1 in flight |") != std::string::npos &&
            line.find("slowest: " + slow + " ") != std::string::npos)
            lines_with_slow_host_alone.insert(line);
        std::this_thread::sleep_for(200ms);
    }
    std::this_thread::sleep_for(300ms);
    pane = session.pane();
    INFO("last pane:\n" << pane);
    REQUIRE(std::filesystem::exists(done_mark));
    std::ifstream status_file(done_mark);
    int status = -1;
    status_file >> status;
    CHECK(status == 3);  // one host unreachable, none failed
    INFO("lines seen with the slow host alone in flight: " << lines_with_slow_host_alone.size());
    CHECK(lines_with_slow_host_alone.size() >= 2);
    for (const auto& line : lines_with_slow_host_alone) {
        INFO(line);
        CHECK(std::regex_search(line, std::regex("^[0-9]+(m[0-9]{2})?s elapsed \\| batch [0-9]+/[0-9]+ \\|")));
        CHECK_THAT(line, Catch::Contains("| 0 failed | 1 unreachable |"));
    }
    // the unreachable host was printed above the line as it happened, with its reason
    CHECK_THAT(pane, Catch::Contains(lab.hosts()[4] + ": unreachable: connect"));
}

TEST_CASE("a closed terminal (SIGHUP) stops the run like Ctrl-C: journal and report written and the run resumes",
          "[rollout][progress][integration]") {
    skip_unless_executable(tmux, "tmux");
    rollout_lab lab("hangup", {.hosts = 6, .octet = 70, .types = "[types]\nclient = 1\n",
                               .faults = "[[fault]]\nkind = \"slow\"\npercent = 100\nlatency = \"300ms\"\n"});
    const auto playbook = std::string(FLEETMEND_SOURCE_DIR) + "/playbooks/teredo-disable.toml";
    const auto reports = lab.dir() / "hangup";
    std::filesystem::create_directories(reports);
    const std::string command = "exec " + quoted(FLEETMEND_BINARY) + " run -i " + quoted(lab.inventory()) + " " +
                                quoted(playbook) + " --yes --batches 100% --concurrency 2 --report-dir " +
                                quoted(reports.string());
    tmux_session session("fleetmend-hangup-" + std::to_string(::getpid()));
    REQUIRE(session.start(command) == 0);

    const auto find = [&](const char* extension) {
        for (const auto& entry : std::filesystem::directory_iterator(reports))
            if (entry.path().extension() == extension) return entry.path();
        return std::filesystem::path{};
    };
    // Close the terminal once the first hosts are under way.
    const auto started = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < started &&
           (find(".journal").empty() || std::filesystem::file_size(find(".journal")) < 2'000))
        std::this_thread::sleep_for(20ms);
    REQUIRE_FALSE(find(".journal").empty());
    session.kill();

    // The run ends on its own: the hosts in flight finish, the report is written.
    const auto written = std::chrono::steady_clock::now() + 90s;
    while (std::chrono::steady_clock::now() < written && find(".json").empty()) std::this_thread::sleep_for(50ms);
    const auto report_path = find(".json");
    REQUIRE_FALSE(report_path.empty());
    std::this_thread::sleep_for(500ms);  // the report is renamed into place whole; let the process end
    const auto report = nlohmann::json::parse(read_text(report_path), nullptr, false);
    REQUIRE(report.is_object());
    CHECK(report.value("interrupted", false));
    CHECK(report["summary"].value("skipped", 0) > 0);      // hosts not started when the terminal closed
    CHECK(report["summary"].value("unfinished", -1) == 0);  // those in flight were let finish

    const auto resumed = lab.fleetmend_plain({"resume", find(".journal").string(), "--yes"}, 120s);
    INFO(describe(resumed));
    CHECK(resumed.exit_code == 0);
    for (const auto& host : lab.hosts()) CHECK(lab.type_now(host) == "disabled");
}
