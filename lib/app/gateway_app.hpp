#pragma once
// The composition root: builds the gateway's object graph from a validated configuration (stores,
// clients, routes, the proxy, the server) and runs its life cycle. main() keeps the command line,
// signals and threads; a second GatewayApp can be built from another configuration value.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}
namespace icg::config {
struct GatewayConfig;
}

namespace icg::app {

class GatewayApp {
public:
    // Throws std::exception with a message naming the setting when something cannot be set up
    // (a certificate that does not load, a descriptor limit too low for the connection cap).
    GatewayApp(boost::asio::io_context& io, const config::GatewayConfig& config, unsigned threads);
    ~GatewayApp();
    GatewayApp(const GatewayApp&) = delete;
    GatewayApp& operator=(const GatewayApp&) = delete;

    // Binds the public listener; returns its port (useful with port 0).
    std::uint16_t listen();
    // Binds the internal services' listener, when configured; returns its port.
    std::optional<std::uint16_t> listen_internal();
    // Binds the admin listener (/metrics, /healthz, /readyz), unless admin.listen is off.
    std::optional<std::uint16_t> listen_admin();
    // Connects to Redis and starts accepting.
    void start();
    // Applies a configuration checked whole (config::check_config, app::check_startup): the
    // certificates, key ring, routes, allow lists, services and timeouts change for requests and
    // connections that begin from now on; those in flight finish as they began. Returns the keys
    // whose change needs a restart: their running values stay. Throws std::exception, changing
    // nothing, when the new configuration cannot be set up (a certificate that does not load).
    std::vector<std::string> reload(const config::GatewayConfig& next);

    // Readiness answers 503 from now on and responses close their connections; new connections
    // are still served for `delay`. Then none are accepted, and once no request is in flight the
    // Redis clients stop and `stopped` runs (the caller then stops the event loop).
    void drain(std::chrono::milliseconds delay, std::function<void()> stopped);
    bool draining() const noexcept;
    std::size_t requests_in_flight() const noexcept;

    struct Parts;

    std::size_t max_client_connections() const noexcept;

private:
    std::unique_ptr<Parts> parts_;
};

}  // namespace icg::app
