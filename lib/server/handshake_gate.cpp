#include "server/handshake_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace icg::server {
namespace asio = boost::asio;

// Woken by leave(), which hands its place over (granted), or by its own deadline.
struct HandshakeGate::Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    bool granted = false;
};

HandshakeGate::HandshakeGate(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

asio::awaitable<HandshakeGate::Place> HandshakeGate::enter(std::chrono::milliseconds patience) {
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (in_progress_ < limit_) {
            ++in_progress_;
            co_return Place(this);
        }
        waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
        waiter->timer.expires_after(patience);
        waiters_.push_back(waiter);
    }
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(mutex_);
    if (waiter->granted) co_return Place(this);
    std::erase(waiters_, waiter);  // gave up: no place was handed to it
    co_return Place();
}

void HandshakeGate::leave() {
    std::shared_ptr<Waiter> next;
    {
        std::lock_guard lock(mutex_);
        if (waiters_.empty()) {
            --in_progress_;
            return;
        }
        next = std::move(waiters_.front());
        waiters_.pop_front();
        next->granted = true;  // the place passes on; in_progress_ is unchanged
    }
    asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

std::size_t HandshakeGate::in_progress() const {
    std::lock_guard lock(mutex_);
    return in_progress_;
}

std::size_t HandshakeGate::waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
}

}  // namespace icg::server
