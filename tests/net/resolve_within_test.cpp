// resolve_within: the lookup's answer, or timed_out at the deadline when the lookup never answers
// (the case cancelling Asio's resolver cannot cut short); a late answer is dropped.
#include "net/resolve_within.hpp"

#include "support/event_loop.hpp"

#include <boost/asio/post.hpp>

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

namespace icg::net {
namespace {

using namespace std::chrono_literals;
using testing::EventLoop;
using Clock = std::chrono::steady_clock;

// Keeps every lookup's handler, and answers only when told to.
struct HeldLookups {
    std::mutex mutex;
    std::vector<LookupHandler> handlers;
    std::vector<std::string> hosts;

    Lookup lookup() {
        return [this](const std::string& host, const std::string&, LookupHandler handler) {
            const std::lock_guard lock(mutex);
            hosts.push_back(host);
            handlers.push_back(std::move(handler));
        };
    }
};

ResolveResults loopback(std::uint16_t port) {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    return ResolveResults::create(endpoint, "redis.internal", std::to_string(port));
}

boost::asio::awaitable<boost::system::result<ResolveResults>> resolve(const Lookup& lookup,
                                                                      std::chrono::milliseconds timeout) {
    co_return co_await resolve_within(lookup, "redis.internal", "6379", timeout);
}

TEST(ResolveWithinTest, ALookupThatNeverAnswersEndsAtTheDeadline) {
    EventLoop loop;
    HeldLookups held;
    const auto started = Clock::now();
    const auto result = loop.run(resolve(held.lookup(), 150ms));
    const auto waited = Clock::now() - started;
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), boost::asio::error::timed_out);
    EXPECT_GE(waited, 150ms);
    EXPECT_LT(waited, 5s) << "the deadline did not hold";
    ASSERT_EQ(held.hosts.size(), 1u);
    EXPECT_EQ(held.hosts[0], "redis.internal");
    // Its answer, coming at last, finds the race over: nothing runs twice, nothing crashes.
    loop.run([&]() -> boost::asio::awaitable<void> {
        held.handlers[0]({}, loopback(6379));
        co_return;
    }());
}

TEST(ResolveWithinTest, AnAnswerBeforeTheDeadlineIsTheResult) {
    EventLoop loop;
    // Answered from inside lookup() itself, before resolve_within has even begun to wait.
    const Lookup at_once = [](const std::string&, const std::string& port, LookupHandler handler) {
        handler({}, loopback(static_cast<std::uint16_t>(std::stoi(port))));
    };
    const auto result = loop.run(resolve(at_once, 5'000ms));
    ASSERT_TRUE(result) << result.error().message();
    ASSERT_EQ(result->size(), 1u);
    EXPECT_EQ(result->begin()->endpoint().port(), 6379);
}

TEST(ResolveWithinTest, AFailedLookupIsItsError) {
    EventLoop loop;
    const Lookup failing = [](const std::string&, const std::string&, LookupHandler handler) {
        handler(boost::asio::error::host_not_found, {});
    };
    const auto result = loop.run(resolve(failing, 5'000ms));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), boost::asio::error::host_not_found);
}

TEST(ResolveWithinTest, TheSystemLookupFindsLocalhost) {
    EventLoop loop;
    const auto result = loop.run([&]() -> boost::asio::awaitable<boost::system::result<ResolveResults>> {
        co_return co_await resolve_within(system_lookup(loop.io().get_executor()), "127.0.0.1", "6379", 5'000ms);
    }());
    ASSERT_TRUE(result) << result.error().message();
    EXPECT_EQ(result->begin()->endpoint().address().to_string(), "127.0.0.1");
}

}  // namespace
}  // namespace icg::net
