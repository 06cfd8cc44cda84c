#pragma once
// Accepts connections, TLS or plain HTTP, and runs one connection coroutine per client on its own
// strand (none needed when the io_context has one thread).
#include "observability/telemetry.hpp"
#include "server/server_limits.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace icg::server {

class Handler;
class HandlerSource;

// What a listener holds right now, for the metrics.
struct ServerStats {
    std::size_t open_connections = 0;
    std::uint64_t refused_connections = 0;  // over max_connections, since start
    std::size_t handshakes_in_progress = 0;
    std::size_t handshakes_waiting = 0;
    std::size_t requests_in_flight = 0;
};

class HttpServer {
public:
    // A null `tls` serves plain HTTP (for loopback listeners); the same connection code serves both.
    // Each request is served by the handler `handlers` gives when it begins. Every answered
    // request is reported to `telemetry`, with the route group its handler names.
    HttpServer(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls,
               const HandlerSource& handlers, ServerLimits limits,
               observability::RequestTelemetry& telemetry = observability::no_telemetry());
    // One handler for the server's life.
    HttpServer(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls, Handler& handler,
               ServerLimits limits, observability::RequestTelemetry& telemetry = observability::no_telemetry());
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens; returns the bound port (useful with port 0). Throws when it cannot bind.
    std::uint16_t listen(const std::string& host, std::uint16_t port);
    void start();

    // Connections accepted from now on use this TLS context and these timeouts and sizes; those
    // already open keep theirs. A plain server stays plain (`tls` is then ignored), and the
    // connection cap, handshake places and threading stay as built.
    void reconfigure(std::shared_ptr<boost::asio::ssl::context> tls, ServerLimits limits);

    // Responses from now on close their connection (clients come back through the load balancer,
    // to another replica); new connections are still accepted and served.
    void announce_drain();
    std::size_t requests_in_flight() const noexcept;
    ServerStats stats() const noexcept;

    // Stops accepting and closes keep-alive connections after their current response.
    // `on_closed` runs once no new connection can be accepted any more, and `on_drained` after
    // it, once no request is in flight either.
    void drain(std::function<void()> on_closed, std::function<void()> on_drained);

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace icg::server
