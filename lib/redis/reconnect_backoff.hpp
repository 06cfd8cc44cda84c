#pragma once
// The wait before each reconnection to Redis: exponential from redis reconnect_min to
// reconnect_max, each wait drawn from its upper half, so a fleet of gateways does not reconnect in
// lockstep. Shared by every connection the gateway keeps to Redis.
#include "redis/redis_options.hpp"

#include <algorithm>
#include <chrono>
#include <random>

namespace icg::redis {

class ReconnectBackoff {
public:
    explicit ReconnectBackoff(const RedisOptions& options)
        : min_(options.reconnect_min), max_(options.reconnect_max), next_(min_), jitter_(std::random_device{}()) {}

    // A connection that came up: the next loss starts from the shortest wait again.
    void reset() noexcept { next_ = min_; }

    // The wait before this attempt; the one after it is twice as long, up to the maximum.
    std::chrono::milliseconds next() {
        const auto half = next_.count() / 2;
        const auto wait = std::chrono::milliseconds(half + static_cast<long long>(jitter_() % (half + 1)));
        next_ = std::min(next_ * 2, max_);
        return wait;
    }

private:
    const std::chrono::milliseconds min_;
    const std::chrono::milliseconds max_;
    std::chrono::milliseconds next_;
    std::minstd_rand jitter_;
};

}  // namespace icg::redis
