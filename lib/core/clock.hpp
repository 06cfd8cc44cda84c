#pragma once
// Wall-clock time behind an interface, so session lifetimes can be tested without waiting.
#include <chrono>

namespace icg::core {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace icg::core
