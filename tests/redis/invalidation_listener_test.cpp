// The invalidation listener against a real redis-server: it subscribes, reports a stall as a
// loss, and once Redis answers again it stays subscribed.
#include "redis/invalidation_listener.hpp"
#include "redis/redis_connector.hpp"

#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace icg::redis {
namespace {
using namespace std::chrono_literals;

class InvalidationListenerTest : public ::testing::Test {
protected:
    InvalidationListenerTest() : redis_(dir_) {
        redis_.start();
        InvalidationEvents events;
        events.subscribed = [this](long long, const ServerAddress&) { ++subscribed_; };
        events.lost = [this] { ++lost_; };
        RedisOptions options;
        options.reconnect_min = 50ms;
        options.reconnect_max = 200ms;
        listener_ = std::make_unique<InvalidationListener>(
            loop_.io().get_executor(),
            connect_to_url(loop_.io().get_executor(), *parse_redis_url(redis_.url(), nullptr), options), events);
        listener_->start();
    }

    ~InvalidationListenerTest() override {
        listener_->stop();
        redis_.resume();
    }

    testing::TempDir dir_;
    testing::RedisServer redis_;
    testing::EventLoop loop_;
    std::atomic<int> subscribed_{0};
    std::atomic<int> lost_{0};
    std::unique_ptr<InvalidationListener> listener_;
};

// A PING left unanswered by a stall must not count against the next connection: before the fix
// every new connection was dropped at once, some 30 times a second, and the cache stayed off.
TEST_F(InvalidationListenerTest, AfterAStallItSubscribesAgainAndStays) {
    ASSERT_TRUE(testing::eventually([&] { return subscribed_ == 1; }, 5s));
    redis_.pause();
    ASSERT_TRUE(testing::eventually([&] { return lost_ == 1; }, 5s)) << "an unanswered PING is a lost connection";
    redis_.resume();
    ASSERT_TRUE(testing::eventually([&] { return subscribed_ >= 2; }, 5s));
    const int subscriptions = subscribed_;
    // Three ping intervals with Redis answering: the connection must outlive them all. This waits
    // for the absence of an event, so only a fixed time can show it.
    std::this_thread::sleep_for(3500ms);
    EXPECT_EQ(lost_, 1) << "the connection made after the stall was dropped again";
    EXPECT_EQ(subscribed_, subscriptions);
}

}  // namespace
}  // namespace icg::redis
