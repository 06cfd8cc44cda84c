#pragma once
// An io_context running on a background thread, and a way to run a coroutine on it and wait for
// its result from the test's thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace icg::testing {

class EventLoop {
public:
    EventLoop() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
    ~EventLoop() {
        work_.reset();
        io_.stop();
        thread_.join();
    }

    boost::asio::io_context& io() noexcept { return io_; }

    // Runs `task` on the loop and waits (bounded) for its value.
    template <typename T>
    T run(boost::asio::awaitable<T> task, std::chrono::seconds timeout = std::chrono::seconds(10)) {
        auto future = boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future);
        if (future.wait_for(timeout) != std::future_status::ready) throw std::runtime_error("coroutine timed out");
        return future.get();
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

}  // namespace icg::testing
