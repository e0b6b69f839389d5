#include "orchestrator/engine/run_progress.hpp"

#include "orchestrator/report/event_json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetmend {
namespace {

bool is_failure(host_status s) {
    return s == host_status::failed || s == host_status::unreachable || s == host_status::rollback_failed;
}

using steady = std::chrono::steady_clock;

std::chrono::milliseconds since(steady::time_point from, steady::time_point now) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - from);
}

std::string duration_text(double seconds) {
    if (seconds < 0) return "?";
    const auto total = static_cast<long>(seconds + 0.5);
    if (total >= 3600) return fmt::format("{}h{:02}m", total / 3600, total % 3600 / 60);
    if (total >= 60) return fmt::format("{}m{:02}s", total / 60, total % 60);
    return fmt::format("{}s", total);
}

}  // namespace

run_progress::run_progress(progress_style style, std::FILE* out) : style_(style), out_(out) {
    // Without events (one host hanging) the clock, the ETA and the names in
    // flight must still move: a ticker redraws once a second.
    if (style_ == progress_style::live) ticker_ = std::jthread([this](std::stop_token stop) { tick(stop); });
}

run_progress::~run_progress() {
    if (ticker_.joinable()) {
        ticker_.request_stop();
        ticker_.join();
    }
    end_line();
}

void run_progress::end_line() {
    std::lock_guard lock(mutex_);
    if (line_open_) std::fputc('\n', out_);
    line_open_ = false;
    std::fflush(out_);
}

void run_progress::tick(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        wake_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
        if (stop.stop_requested()) break;
        // Between batches a --step prompt may be waiting: leave its line alone.
        if (batch_started_ && line_open_) redraw(true);
    }
}

std::string run_progress::status_line(const progress_counts& c, std::chrono::milliseconds elapsed,
                                      std::chrono::milliseconds active, const std::vector<host_running>& slowest) {
    const double seconds = static_cast<double>(active.count()) / 1000.0;
    const double rate = seconds > 0 ? c.done / seconds : 0;
    const int left = c.hosts_total - c.done;
    // The rate falls while nothing finishes, so the ETA grows with the wait.
    const std::string eta = left == 0 ? "0s" : rate > 0 ? duration_text(left / rate) : "?";
    std::string line = fmt::format("{} elapsed | batch {}/{} | {}/{} done | {} in flight | {} failed | {} unreachable | "
                                   "{:.1f} hosts/s | ETA {}",
                                   duration_text(static_cast<double>(elapsed.count()) / 1000.0), c.batch, c.batches,
                                   c.done, c.hosts_total, c.in_flight, c.failed, c.unreachable, rate, eta);
    if (!slowest.empty()) {
        line += " | slowest:";
        for (std::size_t i = 0; i < slowest.size() && i < 3; ++i)
            line += fmt::format("{} {} {}", i ? "," : "", slowest[i].name,
                                duration_text(static_cast<double>(slowest[i].running.count()) / 1000.0));
    }
    return line;
}

std::chrono::milliseconds run_progress::active(steady::time_point now) const {
    return active_before_ + (batch_started_ ? since(*batch_started_, now) : std::chrono::milliseconds{0});
}

std::vector<host_running> run_progress::slowest(steady::time_point now) const {
    std::vector<host_running> hosts;
    hosts.reserve(running_.size());
    for (const auto& [name, started] : running_) hosts.push_back({name, since(started, now)});
    const auto shown = std::min<std::size_t>(hosts.size(), 3);
    std::partial_sort(hosts.begin(), hosts.begin() + static_cast<std::ptrdiff_t>(shown), hosts.end(),
                      [](const host_running& a, const host_running& b) { return a.running > b.running; });
    hosts.resize(shown);
    return hosts;
}

void run_progress::count(const run_event& event) {
    std::visit(
        [this](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, run_started>) {
                mode_ = e.mode;
                counts_.batches = static_cast<int>(e.batches.size());
                for (const auto& b : e.batches) counts_.hosts_total += static_cast<int>(b.size());
                started_ = std::chrono::steady_clock::now();
            } else if constexpr (std::is_same_v<E, batch_started>) {
                counts_.batch = e.batch;
                batch_started_ = steady::now();
            } else if constexpr (std::is_same_v<E, batch_finished>) {
                if (batch_started_) active_before_ += since(*batch_started_, steady::now());
                batch_started_.reset();
            } else if constexpr (std::is_same_v<E, host_started>) {
                ++counts_.in_flight;
                running_[e.host] = steady::now();
            } else if constexpr (std::is_same_v<E, host_finished>) {
                if (e.status == host_status::skipped) return;
                --counts_.in_flight;
                running_.erase(e.host);
                // A host rolled back after its batch finishes twice; count it once.
                if (!finished_once_.insert(e.host).second) return;
                ++counts_.done;
                if (e.status == host_status::unreachable) ++counts_.unreachable;
                else if (is_failure(e.status) || (e.status == host_status::rolled_back && mode_ != run_mode::rollback))
                    ++counts_.failed;
            }
        },
        event);
}

void run_progress::print_above(const std::string& line) {
    if (line_open_) std::fputs("\r\033[K", out_);
    std::fputs(line.c_str(), out_);
    std::fputc('\n', out_);
    line_open_ = false;
}

void run_progress::redraw(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fputs("\r\033[K", out_);
    std::fputs(status_line(counts_, since(started_, now), active(now), slowest(now)).c_str(), out_);
    line_open_ = true;
    std::fflush(out_);
}

void run_progress::print_plain(const run_event& event) {
    std::visit(
        [this](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, run_started>) {
                std::fprintf(out_, "run %s (%s): %d hosts in %d batches\n", e.run_id.c_str(), to_string(e.mode),
                             counts_.hosts_total, counts_.batches);
            } else if constexpr (std::is_same_v<E, batch_started>) {
                std::fprintf(out_, "batch %d/%d started\n", e.batch, counts_.batches);
            } else if constexpr (std::is_same_v<E, host_finished>) {
                if (e.status == host_status::skipped) return;
                std::fprintf(out_, "%s: %s%s%s\n", e.host.c_str(), to_string(e.status), e.message.empty() ? "" : ": ",
                             e.message.c_str());
            } else if constexpr (std::is_same_v<E, batch_finished>) {
                // The batch's failures count unreachable hosts too; said apart, as the live line does.
                std::fprintf(out_, "batch %d/%d finished: %d failed, %d unreachable%s%s\n", e.batch, counts_.batches,
                             e.failures - e.unreachable, e.unreachable, e.halted ? "; HALTED: " : "",
                             e.halted ? e.reason.c_str() : "");
            } else if constexpr (std::is_same_v<E, run_finished>) {
                if (e.interrupted) std::fprintf(out_, "run interrupted: hosts not started are skipped\n");
            }
        },
        event);
    std::fflush(out_);
}

void run_progress::on_event(const run_event& event) {
    std::lock_guard lock(mutex_);
    count(event);
    switch (style_) {
        case progress_style::json:
            std::fputs(event_to_json(event).dump().c_str(), out_);
            std::fputc('\n', out_);
            std::fflush(out_);
            return;
        case progress_style::plain:
            print_plain(event);
            return;
        case progress_style::live:
            break;
    }
    if (const auto* f = std::get_if<host_finished>(&event)) {
        if (is_failure(f->status) || f->status == host_status::rolled_back)
            print_above(fmt::format("{}: {}: {}", f->host, to_string(f->status), f->message));
    } else if (const auto* b = std::get_if<batch_finished>(&event); b && b->halted) {
        print_above(fmt::format("batch {} HALTED: {}", b->batch, b->reason));
    }
    const bool milestone = !std::holds_alternative<step_started>(event) &&
                           !std::holds_alternative<step_finished>(event) &&
                           !std::holds_alternative<facts_captured>(event);
    redraw(milestone && !std::holds_alternative<host_started>(event));
}

}  // namespace fleetmend
