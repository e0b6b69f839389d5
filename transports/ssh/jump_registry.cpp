#include "transports/ssh/jump_registry.hpp"

#include "transports/ssh/jump_session.hpp"

#include <map>
#include <mutex>

namespace fleetmend::ssh_detail {
namespace {

class jump_registry {
public:
    ~jump_registry() { close_all(); }

    stream_opener opener_for(const std::vector<jump_hop>& hops) {
        const std::lock_guard lock(mutex_);
        std::shared_ptr<jump_session> last;
        std::string key;
        for (const auto& hop : hops) {
            // Everything that changes how the login is made is in the key.
            key += hop.endpoint() + '\x1f' + hop.ssh.identity_file + '\x1f' + hop.ssh.known_hosts + '\x1f' +
                   std::to_string(static_cast<int>(hop.ssh.key_policy)) + '\x1e';
            auto& slot = sessions_[key];
            if (!slot) slot = std::make_shared<jump_session>(hop, last);
            last = slot;
        }
        return [last](const std::string& address, std::uint16_t port, deadline until) {
            return last->open_tunnel(address, port, until);
        };
    }

    unsigned logins() {
        const std::lock_guard lock(mutex_);
        unsigned total = closed_logins_;
        for (const auto& [key, session] : sessions_) total += session->logins();
        return total;
    }

    void close_all() noexcept {
        std::map<std::string, std::shared_ptr<jump_session>> ending;
        {
            const std::lock_guard lock(mutex_);
            ending.swap(sessions_);
            for (const auto& [key, session] : ending) closed_logins_ += session->logins();
        }
        // Last hops first: a hop's session runs over the one before it.
        for (auto it = ending.rbegin(); it != ending.rend(); ++it) it->second->stop();
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<jump_session>> sessions_;
    unsigned closed_logins_ = 0;
};

jump_registry& registry() {
    static jump_registry instance;
    return instance;
}

}  // namespace

stream_opener jump_opener(const std::vector<jump_hop>& hops) { return registry().opener_for(hops); }

unsigned jump_logins() noexcept { return registry().logins(); }

void close_jump_sessions() noexcept { registry().close_all(); }

}  // namespace fleetmend::ssh_detail
