#pragma once
// Shared between the acceptor and the connections it starts; private to server/.
#include "server/handler.hpp"
#include "server/handshake_gate.hpp"
#include "server/http_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace icg::server {

// What a connection is served with, fixed when it is accepted.
struct ConnectionSettings {
    std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
    ServerLimits limits;
};

struct HttpServer::State {
    boost::asio::io_context& io;
    const bool plain;
    std::shared_ptr<const HandlerSource> fixed_handler;  // set when built with one handler
    const HandlerSource& handlers;
    observability::RequestTelemetry& telemetry;
    const ServerLimits limits;  // as built: the cap, handshake places and threading never change
    mutable std::mutex settings_mutex;
    std::shared_ptr<const ConnectionSettings> settings;
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
    bool acceptor_closed = false;  // under drained_mutex: on_drained waits for it

    State(boost::asio::io_context& io_, std::shared_ptr<boost::asio::ssl::context> tls_,
          std::shared_ptr<const HandlerSource> fixed_handler_, const HandlerSource& handlers_, ServerLimits limits_,
          observability::RequestTelemetry& telemetry_);

    std::shared_ptr<const ConnectionSettings> connection_settings() const {
        const std::lock_guard lock(settings_mutex);
        return settings;
    }
    ~State();

    // Called when a request finishes; fires on_drained once the last one is done.
    void request_finished();
    void fire_drained_if_idle();
};

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<HttpServer::State> state);

}  // namespace icg::server
