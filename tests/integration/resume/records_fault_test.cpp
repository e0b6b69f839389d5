// Real faults under the journal and the report: a report folder on a tmpfs
// too small for the journal, one that fills up during the run, a read-only
// one, and one removed mid-run. The promise: no host is changed without its
// previous state durable in the journal, and the report is never lost.
// Mounting needs root (CAP_SYS_ADMIN); without it these tests are skipped
// (exit 77, ctest SKIP_RETURN_CODE). Each mount is unmounted by its owner.
#include "orchestrator/report/report.hpp"
#include "resume_support.hpp"

#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

using namespace fleetmend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int skip_status = 77;

/// A tmpfs mounted on a fresh folder for the life of the object (made
/// before anything else in a test, so a skip leaves nothing running).
class tmpfs_mount {
public:
    tmpfs_mount(const std::string& name, const std::string& options, unsigned long flags = 0)
        : at_(fs::temp_directory_path() / ("fleetmend-records-" + std::to_string(::getpid()) + "-" + name)) {
        const auto& at = at_;
        fs::create_directories(at);
        if (::mount("fleetmend-test", at.c_str(), "tmpfs", flags, options.c_str()) != 0) {
            std::printf("skipped: cannot mount a tmpfs on %s (%s); these tests need root\n", at.c_str(),
                        std::strerror(errno));
            std::fflush(stdout);
            std::error_code ec;
            fs::remove(at, ec);
            std::exit(skip_status);
        }
    }
    ~tmpfs_mount() {
        ::umount2(at_.c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove_all(at_, ec);
    }
    [[nodiscard]] const fs::path& path() const noexcept { return at_; }
    tmpfs_mount(const tmpfs_mount&) = delete;
    tmpfs_mount& operator=(const tmpfs_mount&) = delete;

private:
    fs::path at_;
};

lab_shape forty_hosts(unsigned slow_percent = 20, const char* latency = "40ms") {
    lab_shape shape;
    shape.hosts = 40;
    shape.slow_percent = slow_percent;
    shape.slow_latency = latency;
    shape.not_elevated = {};
    return shape;
}

std::vector<std::string> args_for(const trial_lab& lab, const fs::path& report_dir) {
    auto args = run_args(lab, "1,25%,100%", 4);
    args.back() = report_dir.string();  // run_args ends with --report-dir DIR
    return args;
}

unsigned hosts_changed(const fleetmend::lab::lab_fleet& fleet) {
    unsigned changed = 0;
    for (const auto& name : fleet.host_names()) changed += fleet.counters(name).applies > 0 ? 1 : 0;
    return changed;
}

/// Fills the filesystem of `folder` until it has no room left.
void fill_up(const fs::path& file) {
    std::ofstream out(file, std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) out.flush();
}

}  // namespace

TEST_CASE("a report folder too small for the journal stops the run before any host changes",
          "[records][integration]") {
    tmpfs_mount small("small", "size=128k,mode=0700");
    const fs::path folder = small.path();
    auto lab = start_lab(forty_hosts(0), 61);
    const auto run = run_to_end(args_for(*lab, folder), lab->dir / "run.out", 120s);
    INFO(run.output);
    CHECK(run.status == 7);
    CHECK_THAT(run.output, Catch::Contains("cannot reserve") && Catch::Contains("no host was changed") &&
                               Catch::Contains(folder.string()));
    CHECK(hosts_changed(*lab->fleet) == 0);
    CHECK(lab->fleet->totals().applies == 0);
}

TEST_CASE("a disk filling up during the run cannot take the journal's reserved space",
          "[records][integration]") {
    tmpfs_mount filling("filling", "size=4m,mode=0700");
    const fs::path folder = filling.path();
    auto lab = start_lab(forty_hosts(100, "30ms"), 62);
    child_process run(args_for(*lab, folder), lab->dir / "run.out");
    // Once the journal holds its first record, fill the rest. The file
    // exists a moment before its reservation (open, then fallocate): only a
    // record written shows the reservation is in place.
    const auto until = std::chrono::steady_clock::now() + 60s;
    const auto journal_started = [&] {
        const auto journal = find_journal(folder);
        return !journal.empty() && size_of(journal) > 0;
    };
    while (!journal_started() && std::chrono::steady_clock::now() < until && !run.poll())
        std::this_thread::sleep_for(5ms);
    fill_up(folder / "filler");
    const int status = run.wait(180s);
    const auto output = read_text(lab->dir / "run.out");
    INFO(output);
    // Every host ran to its end with the journal intact; the report found
    // room once the journal gave its reservation back, or went elsewhere.
    CHECK(status == 0);
    const auto journal = find_journal(folder);
    REQUIRE_FALSE(journal.empty());
    const auto rebuilt = run_to_end({"report", "--from-journal", journal.string(), "-o", (lab->dir / "r.json").string()},
                                    lab->dir / "rebuild.out", 60s);
    INFO(rebuilt.output);
    REQUIRE(rebuilt.status == 0);
    const auto problems = whole_run_problems(*lab->fleet, lab->dir / "r.json");
    for (const auto& p : problems) UNSCOPED_INFO(p);
    // whole_run_problems checks the run id against the file name: only that may differ.
    for (const auto& p : problems) CHECK_THAT(p, Catch::StartsWith("run id"));
}

TEST_CASE("a read-only report folder stops the run before any host changes", "[records][integration]") {
    tmpfs_mount readonly("readonly", "size=1m", MS_RDONLY);
    const fs::path folder = readonly.path();
    auto lab = start_lab(forty_hosts(0), 63);
    const auto run = run_to_end(args_for(*lab, folder), lab->dir / "run.out", 120s);
    INFO(run.output);
    CHECK(run.status == 7);
    CHECK_THAT(run.output, Catch::Contains("Read-only file system"));
    CHECK(lab->fleet->totals().applies == 0);
}

TEST_CASE("a report folder removed mid-run stops every change, and the report still lands somewhere",
          "[records][integration]") {
    auto lab = start_lab(forty_hosts(100, "60ms"), 64);
    const fs::path folder = lab->dir / "doomed";
    const fs::path tmp = lab->dir / "tmp";
    fs::create_directories(tmp);
    const char* old_tmp = std::getenv("TMPDIR");
    const std::string saved = old_tmp ? old_tmp : "";
    ::setenv("TMPDIR", tmp.c_str(), 1);  // inherited by the child only; this process is done with temp paths
    child_process run(args_for(*lab, folder), lab->dir / "run.out");
    if (old_tmp) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
    // Remove the folder once a few hosts have been changed.
    const auto until = std::chrono::steady_clock::now() + 90s;
    while (hosts_changed(*lab->fleet) < 3 && std::chrono::steady_clock::now() < until && !run.poll())
        std::this_thread::sleep_for(5ms);
    std::error_code ec;
    fs::remove_all(folder, ec);
    const unsigned changed_at_removal = hosts_changed(*lab->fleet);
    const int status = run.wait(180s);
    const auto output = read_text(lab->dir / "run.out");
    INFO(output);
    CHECK(status == 7);
    CHECK_THAT(output, Catch::Contains("was removed") && Catch::Contains("STOPPED CHANGING HOSTS"));
    // Hosts already in flight (4 at a time) may have finished their change;
    // nothing new started after the removal was found.
    CHECK(hosts_changed(*lab->fleet) <= changed_at_removal + 4);
    CHECK(hosts_changed(*lab->fleet) < 40);
    // The report went to $TMPDIR, and says so.
    fs::path report;
    for (const auto& entry : fs::directory_iterator(tmp, ec))
        if (entry.path().extension() == ".json") report = entry.path();
    REQUIRE_FALSE(report.empty());
    CHECK_THAT(output, Catch::Contains(report.string()));
    const auto written = fleetmend::read_report_file(report.string());
    REQUIRE(written.has_value());
    for (const auto& h : written->hosts) {
        if (lab->fleet->counters(h.name).applies == 0) continue;
        // Every host that was changed has its previous state in the report.
        CAPTURE(h.name);
        const auto* spec = lab->fleet->find(h.name);
        REQUIRE(spec);
        CHECK(h.facts_before.at("teredo.type") == std::string(fleetmend::lab::to_netsh(spec->initial_type)));
    }
}
