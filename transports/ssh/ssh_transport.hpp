#pragma once
/// SSH transport on libssh: one session per host, one channel per command.
#include "transports/transport.hpp"

#include <memory>

namespace fleetmend {

class ssh_transport final : public transport {
public:
    explicit ssh_transport(connection_settings settings);
    ~ssh_transport() override;

    [[nodiscard]] std::expected<void, transport_error> connect(deadline until) override;
    [[nodiscard]] std::expected<exec_result, transport_error> run(const std::string& command,
                                                                  shell_kind shell,
                                                                  deadline until) override;
    void close() noexcept override;
    void cancel() noexcept override;
    [[nodiscard]] transport_stats stats() const noexcept override;

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace fleetmend
