#pragma once
// Bounds the TLS handshakes in progress at once. A handshake holds some 30 KiB of OpenSSL state
// until the client's last flight arrives: a burst of 1,000 new connections would otherwise hold
// 30 MiB at once, though one core completes them one at a time anyway. Connections past the
// bound wait, unread, in arrival order, for as long as the caller's patience (the server waits a
// second, then goes ahead without a place: this smooths bursts, it is not a wall). Thread-safe.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

namespace icg::server {

class HandshakeGate {
public:
    explicit HandshakeGate(std::size_t limit);

    // Holds a place until destroyed.
    class Place {
    public:
        Place() = default;
        explicit Place(HandshakeGate* gate) : gate_(gate) {}
        Place(Place&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
        Place& operator=(Place&&) = delete;
        ~Place() {
            if (gate_) gate_->leave();
        }
        explicit operator bool() const noexcept { return gate_ != nullptr; }

    private:
        HandshakeGate* gate_ = nullptr;
    };

    // A place, or an empty one if none came free within `patience`.
    boost::asio::awaitable<Place> enter(std::chrono::milliseconds patience);

    std::size_t in_progress() const;
    std::size_t waiting() const;

private:
    struct Waiter;
    void leave();

    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::size_t in_progress_ = 0;
    std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace icg::server
