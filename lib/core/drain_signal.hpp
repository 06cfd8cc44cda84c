#pragma once
// Set once when the process starts to shut down (SIGTERM): readiness answers 503 from then on, on
// every connection, so load balancers stop sending before the listener closes.
#include <atomic>

namespace icg::core {

class DrainSignal {
public:
    void begin() noexcept { draining_.store(true, std::memory_order_relaxed); }
    bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> draining_{false};
};

}  // namespace icg::core
