#pragma once
/// A credential held in memory only. It has no stream operator and no
/// implicit conversion, so it cannot end up in a log line, a report or an
/// error message by accident; code that really needs the bytes calls reveal().
#include <string>
#include <utility>

namespace fleetmend {

class secret {
public:
    secret() = default;
    explicit secret(std::string value) : value_(std::move(value)) {}
    secret(const secret&) = default;
    secret& operator=(const secret&) = default;
    secret(secret&&) noexcept = default;
    secret& operator=(secret&&) noexcept = default;
    ~secret() { wipe(); }

    [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
    [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
    /// What every display of a secret shows instead of its value.
    [[nodiscard]] static const char* mask() noexcept { return "********"; }

private:
    void wipe() noexcept {
        // volatile writes so the compiler keeps the wipe of memory about to be freed
        volatile char* p = value_.data();
        for (std::size_t i = 0; i < value_.size(); ++i) p[i] = 0;
    }
    std::string value_;
};

}  // namespace fleetmend
