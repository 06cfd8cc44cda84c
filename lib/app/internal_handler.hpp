#pragma once
// The internal listener's routing table, for services rather than browsers: /intercom/* on a
// workspace's behalf, the admin routes under /workspaces, health and readiness. No cookies, no
// CSRF (no browser), no static files.
#include "server/handler.hpp"

namespace icg::proxy {
class ProxyHandler;
}

namespace icg::app {

class HealthRoutes;
class WorkspaceAdminRoutes;

class InternalHandler final : public server::Handler {
public:
    InternalHandler(proxy::ProxyHandler& proxy, WorkspaceAdminRoutes& workspaces, HealthRoutes& health);

    std::size_t body_limit(std::string_view method, std::string_view path) const override;
    boost::asio::awaitable<http::Response> handle(http::Request& request) override;
    bool streams(const http::Request& head) const override;
    boost::asio::awaitable<void> handle_stream(http::Request& head, server::Exchange& exchange) override;
    observability::RouteGroup route_group(const http::Request& head) const override;

private:
    proxy::ProxyHandler& proxy_;
    WorkspaceAdminRoutes& workspaces_;
    HealthRoutes& health_;
};

}  // namespace icg::app
