#pragma once
// Seconds since the soak began, on the steady clock: samples, requests and fault windows are all
// stamped with it, so they compare without wall-clock jumps.
#include <chrono>

namespace icg::soak {

class RunClock {
public:
    using Clock = std::chrono::steady_clock;

    RunClock() : start_(Clock::now()) {}

    double now() const { return seconds_at(Clock::now()); }
    double seconds_at(Clock::time_point t) const { return std::chrono::duration<double>(t - start_).count(); }
    Clock::time_point at(double seconds) const {
        return start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    }

private:
    Clock::time_point start_;
};

}  // namespace icg::soak
