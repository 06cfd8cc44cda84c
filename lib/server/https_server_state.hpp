#pragma once
// Shared between the acceptor and the connections it starts; private to server/.
#include "server/handshake_gate.hpp"
#include "server/https_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace icg::server {

struct HttpsServer::State {
    boost::asio::io_context& io;
    std::shared_ptr<boost::asio::ssl::context> tls;
    Handler& handler;
    ServerLimits limits;
    boost::asio::ip::tcp::acceptor acceptor;
    HandshakeGate handshakes;

    std::atomic<bool> draining{false};
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::uint64_t> refused_connections{0};  // over max_connections
    // Held open so that, out of descriptors, a pending connection can still be accepted and
    // closed instead of waiting in the backlog (and the accept loop retrying at once).
    int reserve_descriptor = -1;
    std::mutex drained_mutex;
    std::function<void()> on_drained;

    State(boost::asio::io_context& io_, std::shared_ptr<boost::asio::ssl::context> tls_, Handler& handler_,
          ServerLimits limits_);
    ~State();

    // Called when a request finishes; fires on_drained once the last one is done.
    void request_finished();
    void fire_drained_if_idle();
};

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<HttpsServer::State> state);

}  // namespace icg::server
