#pragma once
/// Hands every run event to several sinks in order (journal first, so an
/// event is durable before the report or the screen shows it).
#include "orchestrator/report/events.hpp"

#include <vector>

namespace fleetmend {

class event_fan_out final : public event_sink {
public:
    /// The sinks must outlive the fan-out; null entries are ignored.
    explicit event_fan_out(std::vector<event_sink*> sinks) : sinks_(std::move(sinks)) {}

    /// The first sink that stopped recording decides.
    [[nodiscard]] std::expected<void, std::string> record_health() const override {
        for (const event_sink* sink : sinks_)
            if (sink)
                if (auto health = sink->record_health(); !health) return health;
        return {};
    }

protected:
    void on_event(const run_event&) override {}
    // Forwarded outside this sink's lock, so a journal waiting for its fsync
    // lets other threads publish meanwhile (and share that fsync).
    void after_event(const run_event& event) override {
        for (event_sink* sink : sinks_)
            if (sink) sink->publish(event);
    }

private:
    std::vector<event_sink*> sinks_;
};

}  // namespace fleetmend
