#pragma once
// Polls a condition until it holds or a deadline passes. For states with no event to wait on
// (a reconnecting client, an expiring key); the interval is a polling step, never a wait for an outcome.
#include <chrono>
#include <thread>

namespace icg::testing {

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(interval);
    }
}

}  // namespace icg::testing
