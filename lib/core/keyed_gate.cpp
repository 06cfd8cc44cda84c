#include "core/keyed_gate.hpp"

#include "core/wakeup.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace icg::core {
namespace asio = boost::asio;

// Woken by leave(), which hands its place over (granted), or by its own deadline.
struct KeyedGate::Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : wakeup(executor) {}
    Wakeup wakeup;
    bool granted = false;
};

KeyedGate::KeyedGate(std::size_t limit_per_key) : limit_(std::max<std::size_t>(1, limit_per_key)) {}

asio::awaitable<KeyedGate::Place> KeyedGate::enter(std::uint64_t key, std::chrono::milliseconds patience) {
    const auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        Entry& entry = entries_[key];
        if (entry.holders < limit_) {
            ++entry.holders;
            co_return Place(this, key);
        }
        waiter = std::make_shared<Waiter>(executor);
        entry.waiters.push_back(waiter);
    }
    co_await waiter->wakeup.wait(patience);
    std::lock_guard lock(mutex_);
    if (waiter->granted) co_return Place(this, key);
    // Gave up: no place was handed to it. The entry still exists, as its holders do.
    std::erase(entries_[key].waiters, waiter);
    co_return Place();
}

void KeyedGate::leave(std::uint64_t key) {
    std::shared_ptr<Waiter> next;
    {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(key);
        if (it == entries_.end()) return;  // not reached: a Place exists only for a held entry
        Entry& entry = it->second;
        if (entry.waiters.empty()) {
            if (--entry.holders == 0) entries_.erase(it);
            return;
        }
        next = std::move(entry.waiters.front());
        entry.waiters.pop_front();
        next->granted = true;  // the place passes on; holders is unchanged
    }
    Wakeup::wake(std::shared_ptr<Wakeup>(next, &next->wakeup));
}

std::size_t KeyedGate::holders(std::uint64_t key) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    return it == entries_.end() ? 0 : it->second.holders;
}

std::size_t KeyedGate::waiting(std::uint64_t key) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    return it == entries_.end() ? 0 : it->second.waiters.size();
}

std::size_t KeyedGate::busy_keys() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace icg::core
