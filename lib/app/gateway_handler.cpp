#include "app/gateway_handler.hpp"

#include "app/health_routes.hpp"
#include "app/static_files.hpp"
#include "auth/auth_routes.hpp"
#include "auth/uninstall_notices.hpp"
#include "proxy/proxy_handler.hpp"

#include <algorithm>

namespace icg::app {
namespace asio = boost::asio;

namespace {

// Defaults for every answer: the SPA and the auth pages are same-origin only.
void add_security_headers(http::Response& r) {
    auto add_missing = [&](const char* name, const char* value) {
        if (!r.headers.contains(name)) r.headers.add(name, value);
    };
    add_missing("Strict-Transport-Security", "max-age=31536000");
    add_missing("X-Content-Type-Options", "nosniff");
    add_missing("X-Frame-Options", "DENY");
    add_missing("Referrer-Policy", "no-referrer");
    add_missing("Content-Security-Policy",
                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

// HEAD goes wherever GET does (RFC 9110 §9.3.2), answered the same without the body.
const std::string allow_get = "GET, HEAD";
const std::string allow_post = "POST";
// Intercom's Uninstall URL for the app points here.
constexpr std::string_view uninstall_notice_path = "/auth/intercom/uninstalled";

}  // namespace

GatewayHandler::GatewayHandler(auth::AuthRoutes& auth, auth::UninstallNotices& uninstall_notices,
                               proxy::ProxyHandler& proxy, HealthRoutes& health, const StaticFiles* static_files,
                               std::size_t max_auth_body_bytes)
    : auth_(auth),
      uninstall_notices_(uninstall_notices),
      proxy_(proxy),
      health_(health),
      static_files_(static_files),
      max_auth_body_bytes_(max_auth_body_bytes) {}

std::size_t GatewayHandler::body_limit(std::string_view, std::string_view path) const {
    // Only /auth/* reads bodies today (logout sends none); everything else gets nothing.
    if (path == uninstall_notice_path) return std::min(max_auth_body_bytes_, auth::UninstallNotices::max_body_bytes);
    return path.starts_with("/auth/") ? max_auth_body_bytes_ : 0;
}

asio::awaitable<http::Response> GatewayHandler::handle(http::Request& request) {
    http::Response response = co_await route(request);
    add_security_headers(response);
    // Login pages, session answers and anything that sets or clears a cookie are about one
    // browser: no shared or browser cache may keep them.
    if (request.path().starts_with("/auth/") || response.headers.contains("Set-Cookie"))
        response.headers.set("Cache-Control", "no-store");
    co_return response;
}

bool GatewayHandler::streams(const http::Request& head) const {
    return proxy::is_proxy_path(head.path());
}

observability::RouteGroup GatewayHandler::route_group(const http::Request& head) const {
    using observability::RouteGroup;
    const auto path = head.path();
    if (is_health_path(path)) return RouteGroup::health;
    if (path.starts_with("/auth/")) return RouteGroup::auth;
    if (proxy::is_proxy_path(path)) return RouteGroup::proxy;
    return static_files_ ? RouteGroup::static_files : RouteGroup::other;
}

// The proxy relays Intercom's answers with their own headers (see proxy/header_rules).
asio::awaitable<void> GatewayHandler::handle_stream(http::Request& head, server::Exchange& exchange) {
    co_await proxy_.serve(head, exchange);
}

asio::awaitable<http::Response> GatewayHandler::route(http::Request& request) {
    const auto path = request.path();
    const auto& method = request.method;
    const bool get = method == "GET" || method == "HEAD";

    if (auto health = co_await health_.serve(request)) co_return std::move(*health);
    if (path == "/auth/login") {
        if (!get) co_return method_not_allowed(allow_get);
        co_return co_await auth_.login(request);
    }
    if (path == "/auth/callback") {
        if (!get) co_return method_not_allowed(allow_get);
        co_return co_await auth_.callback(request);
    }
    if (path == "/auth/session") {
        if (!get) co_return method_not_allowed(allow_get);
        co_return co_await auth_.session(request);
    }
    if (path == "/auth/logout") {
        if (method != "POST") co_return method_not_allowed(allow_post);
        co_return co_await auth_.logout(request);
    }
    if (path == uninstall_notice_path) {
        if (method != "POST") co_return method_not_allowed(allow_post);
        co_return uninstall_notices_.receive(request);
    }
    if (path == "/auth/disconnect") {
        if (method != "POST") co_return method_not_allowed(allow_post);
        co_return co_await auth_.disconnect(request);
    }
    if (path.starts_with("/auth/")) co_return not_found();
    if (static_files_ && get) co_return static_files_->serve(request);
    if (static_files_) co_return method_not_allowed(allow_get);
    co_return not_found();
}

}  // namespace icg::app
