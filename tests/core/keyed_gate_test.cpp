#include "core/keyed_gate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace icg::core {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(KeyedGate, EachKeyHasItsOwnBound) {
    asio::io_context io;
    KeyedGate gate(2);
    std::vector<KeyedGate::Place> held;
    int refused = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 2; ++i) held.push_back(co_await gate.enter(1, 0ms));
            held.push_back(co_await gate.enter(2, 0ms));  // another key is not affected
            auto third = co_await gate.enter(1, 0ms);
            if (!third) ++refused;
        },
        asio::detached);
    io.run();
    EXPECT_EQ(refused, 1);
    for (const auto& place : held) EXPECT_TRUE(place);
    EXPECT_EQ(gate.busy_keys(), 2u);
    held.clear();
    EXPECT_EQ(gate.busy_keys(), 0u) << "a key with no holder is forgotten";
}

TEST(KeyedGate, AWaiterGetsThePlaceOfTheHolderThatLeaves) {
    asio::io_context io;
    KeyedGate gate(1);
    std::optional<KeyedGate::Place> first;
    bool second_got_it = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            first.emplace(co_await gate.enter(7, 0ms));
            // The second waits (up to an hour: only the hand-over can end its wait in this test).
            asio::co_spawn(
                co_await asio::this_coro::executor,
                [&]() -> asio::awaitable<void> {
                    auto place = co_await gate.enter(7, std::chrono::hours(1));
                    second_got_it = static_cast<bool>(place);
                },
                asio::detached);
            first.reset();  // leaving hands the place over
        },
        asio::detached);
    io.run();
    EXPECT_TRUE(second_got_it);
    EXPECT_EQ(gate.busy_keys(), 0u);
}

TEST(KeyedGate, AWaiterWhosePatienceRunsOutIsRefusedAndLeavesNoTrace) {
    asio::io_context io;
    KeyedGate gate(1);
    std::optional<KeyedGate::Place> held;
    bool refused = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            held.emplace(co_await gate.enter(3, 0ms));
            auto late = co_await gate.enter(3, 20ms);
            refused = !late;
        },
        asio::detached);
    io.run();
    EXPECT_TRUE(refused);
    EXPECT_EQ(gate.busy_keys(), 1u);
    held.reset();
    EXPECT_EQ(gate.busy_keys(), 0u);
}

}  // namespace
}  // namespace icg::core
