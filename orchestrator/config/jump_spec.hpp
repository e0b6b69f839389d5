#pragma once
/// Pure: the `jump` key in OpenSSH's ProxyJump syntax. "none" switches an
/// inherited jump off; otherwise comma-separated hops "[user@]host[:port]"
/// (an IPv6 address in brackets, "ssh://" allowed), the first hop first.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetmend {

struct jump_spec_hop {
    std::string user;                   // empty: not given
    std::string host;                   // a name, an address, or an inventory host
    std::optional<std::uint16_t> port;  // not given: the inventory host's or 22

    /// As ProxyJump writes it ("user@host:port", parts that were given).
    [[nodiscard]] std::string text() const;
};

/// The hops of `text`; "none" gives no hops. The error says what is wrong
/// with which hop, in words that fit after "jump: ".
[[nodiscard]] std::expected<std::vector<jump_spec_hop>, std::string> parse_jump(std::string_view text);

}  // namespace fleetmend
