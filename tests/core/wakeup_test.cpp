// Wakeup on a real event loop: woken from another thread, or released by its patience.
#include "core/wakeup.hpp"

#include "support/event_loop.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace icg::core {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(Wakeup, AWakeFromAnotherThreadEndsTheWaitLongBeforeItsPatience) {
    testing::EventLoop loop;
    std::atomic<std::shared_ptr<Wakeup>*> published{nullptr};
    std::shared_ptr<Wakeup> waiter;
    std::thread waker([&] {
        while (!published.load()) std::this_thread::yield();
        Wakeup::wake(*published.load());
    });
    const auto waited = loop.run([&]() -> asio::awaitable<Clock::duration> {
        waiter = std::make_shared<Wakeup>(co_await asio::this_coro::executor);
        const auto started = Clock::now();
        published = &waiter;  // the wake can only run after this step, on this executor
        co_await waiter->wait(30s);
        co_return Clock::now() - started;
    }());
    waker.join();
    EXPECT_LT(waited, 5s);
}

TEST(Wakeup, WithoutAWakeTheWaitEndsAfterItsPatience) {
    testing::EventLoop loop;
    const auto waited = loop.run([&]() -> asio::awaitable<Clock::duration> {
        Wakeup waiter(co_await asio::this_coro::executor);
        const auto started = Clock::now();
        co_await waiter.wait(100ms);
        co_return Clock::now() - started;
    }());
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, 5s);
}

}  // namespace
}  // namespace icg::core
