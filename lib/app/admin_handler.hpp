#pragma once
// The admin listener's routing table, for operators and their tools: /metrics in Prometheus's
// text format, /healthz and /readyz. Plain HTTP: it is meant for loopback, a pod network that a
// NetworkPolicy closes, or a monitoring network; nothing it serves is secret.
#include "server/handler.hpp"

namespace icg::observability {
class GatewayMetrics;
}

namespace icg::app {

class HealthRoutes;

class AdminHandler final : public server::Handler {
public:
    AdminHandler(const observability::GatewayMetrics& metrics, HealthRoutes& health);

    std::size_t body_limit(std::string_view method, std::string_view path) const override;
    boost::asio::awaitable<http::Response> handle(http::Request& request) override;
    observability::RouteGroup route_group(const http::Request& head) const override;

private:
    const observability::GatewayMetrics& metrics_;
    HealthRoutes& health_;
};

}  // namespace icg::app
