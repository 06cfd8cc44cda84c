#include "app/internal_handler.hpp"

#include "app/health_routes.hpp"
#include "app/workspace_admin_routes.hpp"
#include "proxy/proxy_handler.hpp"

namespace icg::app {
namespace asio = boost::asio;

InternalHandler::InternalHandler(proxy::ProxyHandler& proxy, WorkspaceAdminRoutes& workspaces, HealthRoutes& health)
    : proxy_(proxy), workspaces_(workspaces), health_(health) {}

std::size_t InternalHandler::body_limit(std::string_view, std::string_view) const {
    return 0;  // only the proxy reads bodies, and it streams them
}

asio::awaitable<http::Response> InternalHandler::handle(http::Request& request) {
    http::Response response;
    if (auto health = co_await health_.serve(request))
        response = std::move(*health);
    else if (is_workspace_admin_path(request.path()))
        response = co_await workspaces_.serve(request);
    else
        response = not_found();
    response.headers.set("Cache-Control", "no-store");
    response.headers.set("X-Content-Type-Options", "nosniff");
    co_return response;
}

bool InternalHandler::streams(const http::Request& head) const {
    return proxy::is_proxy_path(head.path());
}

observability::RouteGroup InternalHandler::route_group(const http::Request& head) const {
    using observability::RouteGroup;
    const auto path = head.path();
    if (is_health_path(path)) return RouteGroup::health;
    if (proxy::is_proxy_path(path)) return RouteGroup::service;
    return is_workspace_admin_path(path) ? RouteGroup::workspaces : RouteGroup::other;
}

asio::awaitable<void> InternalHandler::handle_stream(http::Request& head, server::Exchange& exchange) {
    co_await proxy_.serve(head, exchange);
}

}  // namespace icg::app
