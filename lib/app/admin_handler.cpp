#include "app/admin_handler.hpp"

#include "app/health_routes.hpp"
#include "observability/gateway_metrics.hpp"

namespace icg::app {
namespace asio = boost::asio;

namespace {

constexpr std::string_view metrics_path = "/metrics";

http::Response metrics_page(std::string text) {
    http::Response r;
    r.status = 200;
    r.headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = std::move(text);
    return r;
}

}  // namespace

AdminHandler::AdminHandler(const observability::GatewayMetrics& metrics, HealthRoutes& health)
    : metrics_(metrics), health_(health) {}

std::size_t AdminHandler::body_limit(std::string_view, std::string_view) const {
    return 0;  // nothing here reads a body
}

asio::awaitable<http::Response> AdminHandler::handle(http::Request& request) {
    http::Response response;
    if (auto health = co_await health_.serve(request))
        response = std::move(*health);
    else if (request.path() != metrics_path)
        response = not_found();
    else if (request.method != "GET" && request.method != "HEAD")
        response = method_not_allowed("GET, HEAD");
    else
        response = metrics_page(metrics_.scrape());
    response.headers.set("Cache-Control", "no-store");
    response.headers.set("X-Content-Type-Options", "nosniff");
    co_return response;
}

observability::RouteGroup AdminHandler::route_group(const http::Request& head) const {
    using observability::RouteGroup;
    if (is_health_path(head.path())) return RouteGroup::health;
    return head.path() == metrics_path ? RouteGroup::admin : RouteGroup::other;
}

}  // namespace icg::app
