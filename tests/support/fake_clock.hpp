#pragma once
// Wall-clock time that moves only when a test moves it.
#include "core/clock.hpp"

#include <chrono>

namespace icg::testing {

class FakeClock final : public core::Clock {
public:
    explicit FakeClock(std::chrono::system_clock::time_point start =
                           std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)))
        : now_(start) {}
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::seconds by) { now_ += by; }
    std::int64_t unix_seconds() const {
        return std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
    }

private:
    std::chrono::system_clock::time_point now_;
};

}  // namespace icg::testing
