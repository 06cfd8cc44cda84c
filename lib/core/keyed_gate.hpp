#pragma once
// Bounds how many holders one key may have at once (the calls in flight of one session): holders
// past the bound wait, in arrival order, for as long as their patience, and are then told no.
// Keys are 64-bit digests chosen by the caller, so no secret is kept here. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace icg::core {

class KeyedGate {
public:
    explicit KeyedGate(std::size_t limit_per_key);

    // Holds a place for its key until destroyed.
    class Place {
    public:
        Place() = default;
        Place(KeyedGate* gate, std::uint64_t key) : gate_(gate), key_(key) {}
        Place(Place&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)), key_(other.key_) {}
        Place& operator=(Place&&) = delete;
        ~Place() {
            if (gate_) gate_->leave(key_);
        }
        explicit operator bool() const noexcept { return gate_ != nullptr; }

    private:
        KeyedGate* gate_ = nullptr;
        std::uint64_t key_ = 0;
    };

    // A place, or an empty one if none came free for `key` within `patience`.
    boost::asio::awaitable<Place> enter(std::uint64_t key, std::chrono::milliseconds patience);

    std::size_t limit_per_key() const noexcept { return limit_; }
    // Keys with a holder or a waiter; a key with neither is forgotten.
    std::size_t busy_keys() const;
    std::size_t holders(std::uint64_t key) const;
    std::size_t waiting(std::uint64_t key) const;

private:
    struct Waiter;
    struct Entry {
        std::size_t holders = 0;
        std::deque<std::shared_ptr<Waiter>> waiters;
    };
    void leave(std::uint64_t key);

    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, Entry> entries_;
};

}  // namespace icg::core
