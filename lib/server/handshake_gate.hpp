#pragma once
// Bounds the TLS handshakes in progress at once. A handshake holds some 30 KiB of OpenSSL state
// until the client's last flight arrives: a burst of 1,000 new connections would otherwise hold
// 30 MiB at once, though one core completes them one at a time anyway. Connections past the
// bound wait, unread, in arrival order, for as long as the caller's patience (the server waits a
// second, then goes ahead without a place: this smooths bursts, it is not a wall). Thread-safe.
#include "core/keyed_gate.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>

namespace icg::server {

// One key of a core::KeyedGate: the same waiting, hand-over and patience as calls per session.
class HandshakeGate {
public:
    explicit HandshakeGate(std::size_t limit) : gate_(limit) {}

    // Holds a place until destroyed; empty when none came free within the patience.
    using Place = core::KeyedGate::Place;
    boost::asio::awaitable<Place> enter(std::chrono::milliseconds patience) { return gate_.enter(0, patience); }

    std::size_t in_progress() const { return gate_.holders(0); }
    std::size_t waiting() const { return gate_.waiting(0); }

private:
    core::KeyedGate gate_;
};

}  // namespace icg::server
