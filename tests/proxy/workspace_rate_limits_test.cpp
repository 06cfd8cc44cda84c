// Intercom's per-workspace rate-limit figures, remembered with a fake clock.
#include "proxy/workspace_rate_limits.hpp"

#include "support/fake_clock.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {
using namespace std::chrono_literals;

class WorkspaceRateLimitsTest : public ::testing::Test {
protected:
    http::Headers figures(std::string remaining, std::int64_t reset_in) {
        http::Headers h;
        if (!remaining.empty()) h.add("X-RateLimit-Remaining", remaining);
        h.add("X-RateLimit-Reset", std::to_string(clock.unix_seconds() + reset_in));
        return h;
    }

    icg::testing::FakeClock clock;
    WorkspaceRateLimits limits{clock};
};

TEST_F(WorkspaceRateLimitsTest, AWorkspaceWithCallsLeftIsNeverHeld) {
    limits.observe("ws", 200, figures("3", 5));
    EXPECT_FALSE(limits.hold("ws"));
    EXPECT_FALSE(limits.hold("never-seen"));
}

TEST_F(WorkspaceRateLimitsTest, NoneLeftHoldsUntilTheResetInWholeSeconds) {
    limits.observe("ws", 200, figures("0", 8));
    ASSERT_TRUE(limits.hold("ws"));
    EXPECT_EQ(*limits.hold("ws"), 8s);
    EXPECT_FALSE(limits.hold("other"));
    clock.advance(7s);
    EXPECT_EQ(*limits.hold("ws"), 1s);
    clock.advance(1s);
    EXPECT_FALSE(limits.hold("ws")) << "the window has reset";
}

TEST_F(WorkspaceRateLimitsTest, FreshFiguresWithCallsLeftEndTheHold) {
    limits.observe("ws", 200, figures("0", 8));
    limits.observe("ws", 200, figures("10", 10));
    EXPECT_FALSE(limits.hold("ws"));
}

TEST_F(WorkspaceRateLimitsTest, A429HoldsEvenWithoutFiguresForAWholeWindow) {
    limits.observe("ws", 429, http::Headers{});
    ASSERT_TRUE(limits.hold("ws"));
    EXPECT_EQ(*limits.hold("ws"), 10s);
    EXPECT_EQ(limits.retry_after(http::Headers{}), 10s);
    EXPECT_EQ(limits.retry_after(figures("0", 3)), 3s);
}

TEST_F(WorkspaceRateLimitsTest, A429WhoseFiguresShowCallsLeftDoesNotHoldTheWorkspace) {
    limits.observe("ws", 429, figures("5", 8));  // some other limit than the workspace's window
    EXPECT_FALSE(limits.hold("ws"));
}

TEST_F(WorkspaceRateLimitsTest, NonsenseFiguresAreNotBelieved) {
    limits.observe("ws", 200, figures("0", -5));  // a reset in the past
    EXPECT_FALSE(limits.hold("ws"));
    limits.observe("ws", 200, figures("zero", 5));
    EXPECT_FALSE(limits.hold("ws"));
    limits.observe("ws", 200, figures("0", 86'400));  // a day away: held at most a minute
    ASSERT_TRUE(limits.hold("ws"));
    EXPECT_EQ(*limits.hold("ws"), WorkspaceRateLimits::longest_hold);
    limits.observe("", 429, http::Headers{});
    EXPECT_FALSE(limits.hold(""));
}

}  // namespace
}  // namespace icg::proxy
