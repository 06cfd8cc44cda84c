#include "server/handshake_gate.hpp"

#include "core/wakeup.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace icg::server {
namespace asio = boost::asio;

// Woken by leave(), which hands its place over (granted), or by its own deadline.
struct HandshakeGate::Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : wakeup(executor) {}
    core::Wakeup wakeup;
    bool granted = false;
};

HandshakeGate::HandshakeGate(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

asio::awaitable<HandshakeGate::Place> HandshakeGate::enter(std::chrono::milliseconds patience) {
    const auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (in_progress_ < limit_) {
            ++in_progress_;
            co_return Place(this);
        }
        waiter = std::make_shared<Waiter>(executor);
        waiters_.push_back(waiter);
    }
    co_await waiter->wakeup.wait(patience);
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
    core::Wakeup::wake(std::shared_ptr<core::Wakeup>(next, &next->wakeup));
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
