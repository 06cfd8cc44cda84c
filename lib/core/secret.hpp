#pragma once
// A value that must never reach a log, a response or an error message: tokens, session ids, keys.
#include <string>
#include <string_view>

namespace icg::core {

// Compares in time that depends only on the lengths, so an attacker learns nothing from timing.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Holds a secret string. It has no stream operator and no implicit conversion, so it cannot be
// printed by accident; reading it takes a call to expose(), which is easy to audit. Wiped on destruction.
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) noexcept : value_(std::move(value)) {}
    Secret(const Secret& other) : value_(other.value_) {}
    Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
    Secret& operator=(const Secret& other);
    Secret& operator=(Secret&& other) noexcept;
    ~Secret() { wipe(); }

    std::string_view expose() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }

    friend bool operator==(const Secret& a, const Secret& b) noexcept {
        return constant_time_equal(a.value_, b.value_);
    }

private:
    void wipe() noexcept;
    std::string value_;
};

}  // namespace icg::core
