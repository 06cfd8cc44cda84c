// The waits between reconnections: doubling from the minimum to the maximum, each in the upper
// half of its step, and back to the minimum once a connection came up.
#include "redis/reconnect_backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace icg::redis {
namespace {
using namespace std::chrono_literals;

TEST(ReconnectBackoffTest, DoublesUpToTheMaximumWithinTheUpperHalfOfEachStep) {
    RedisOptions options;
    options.reconnect_min = 50ms;
    options.reconnect_max = 400ms;
    ReconnectBackoff backoff(options);
    for (const auto step : {50ms, 100ms, 200ms, 400ms, 400ms, 400ms}) {
        const auto wait = backoff.next();
        EXPECT_GE(wait, step / 2) << step.count();
        EXPECT_LE(wait, step) << step.count();
    }
    backoff.reset();
    EXPECT_LE(backoff.next(), 50ms);
}

TEST(ReconnectBackoffTest, WaitsDifferSoAFleetDoesNotReconnectInLockstep) {
    RedisOptions options;
    options.reconnect_min = 2000ms;
    options.reconnect_max = 2000ms;
    ReconnectBackoff first(options);
    std::set<long long> seen;
    for (int i = 0; i < 20; ++i) seen.insert(first.next().count());
    EXPECT_GT(seen.size(), 10u);
}

}  // namespace
}  // namespace icg::redis
