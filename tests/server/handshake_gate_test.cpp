// HandshakeGate on a real event loop: places up to the limit, then waiting in arrival order,
// handed over on leave, and given up after the patience runs out.
#include "server/handshake_gate.hpp"

#include "support/event_loop.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace icg::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Lets every handler that is ready run before the test looks again.
asio::awaitable<void> settle(asio::io_context& io) {
    for (int i = 0; i < 10; ++i) {
        asio::steady_timer tick(io, 1ms);
        co_await tick.async_wait(asio::use_awaitable);
    }
}

TEST(HandshakeGate, PlacesBeyondTheLimitWaitAndArePassedOnInArrivalOrder) {
    testing::EventLoop loop;
    HandshakeGate gate(2);
    std::vector<std::string> order;
    auto result = loop.run([&]() -> asio::awaitable<std::string> {
        auto first = std::make_unique<HandshakeGate::Place>(co_await gate.enter(5s));
        auto second = std::make_unique<HandshakeGate::Place>(co_await gate.enter(5s));
        EXPECT_TRUE(*first && *second);
        EXPECT_EQ(gate.in_progress(), 2u);

        std::vector<std::unique_ptr<HandshakeGate::Place>> later(2);
        for (int i = 0; i < 2; ++i)
            asio::co_spawn(
                loop.io(),
                [&, i]() -> asio::awaitable<void> {
                    later[i] = std::make_unique<HandshakeGate::Place>(co_await gate.enter(5s));
                    order.push_back("waiter" + std::to_string(i));
                },
                asio::detached);
        co_await settle(loop.io());
        EXPECT_EQ(gate.waiting(), 2u);
        EXPECT_TRUE(order.empty());

        first.reset();  // hands its place to waiter 0, not back to the count
        co_await settle(loop.io());
        EXPECT_EQ(order, std::vector<std::string>{"waiter0"});
        EXPECT_EQ(gate.in_progress(), 2u);

        second.reset();
        co_await settle(loop.io());
        EXPECT_EQ(gate.waiting(), 0u);
        later.clear();
        co_return std::string(order.size() == 2 ? order[1] : "") + "/" + std::to_string(gate.in_progress());
    }());
    EXPECT_EQ(result, "waiter1/0");
}

TEST(HandshakeGate, AWaiterGivesUpAfterItsPatienceAndLeavesNoPlaceBehind) {
    testing::EventLoop loop;
    HandshakeGate gate(1);
    auto outcome = loop.run([&]() -> asio::awaitable<std::string> {
        auto held = co_await gate.enter(5s);
        const auto started = std::chrono::steady_clock::now();
        auto refused = co_await gate.enter(100ms);
        const auto waited = std::chrono::steady_clock::now() - started;
        EXPECT_GE(waited, 100ms);
        std::string seen = std::string(refused ? "granted" : "refused") + "/" + std::to_string(gate.waiting());
        co_return seen;
    }());
    EXPECT_EQ(outcome, "refused/0");
    EXPECT_EQ(gate.in_progress(), 0u);  // the held place went back when the coroutine ended
}

}  // namespace
}  // namespace icg::server
