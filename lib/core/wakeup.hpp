#pragma once
// A coroutine's place in some queue: it waits until another one, on any thread, wakes it, or
// until its patience runs out. The waker never resumes it inline: the wake-up is posted to the
// waiter's own executor (its strand). Shared by whoever queues waiters (the upstream pool, the
// handshake gate, shared session loads), each keeping its own record of what the waiter was given.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace icg::core {

class Wakeup {
public:
    explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    // Returns when woken or after `patience`, whichever comes first; the caller's own record
    // (granted, handed a connection...) says which.
    boost::asio::awaitable<void> wait(std::chrono::steady_clock::duration patience);

    // Thread-safe; the pointer keeps the waiter alive until the wake-up has run.
    static void wake(std::shared_ptr<Wakeup> waiter);

private:
    boost::asio::steady_timer timer_;
};

}  // namespace icg::core
