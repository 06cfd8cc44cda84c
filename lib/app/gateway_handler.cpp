#include "app/gateway_handler.hpp"

#include "app/static_files.hpp"
#include "auth/auth_routes.hpp"
#include "core/drain_signal.hpp"
#include "proxy/proxy_handler.hpp"
#include "redis/redis_client.hpp"

namespace icg::app {
namespace asio = boost::asio;

namespace {

// Plain functions, not coroutines: GCC 12 miscompiles string literals inside co_return expressions.
http::Response not_found() {
    return http::json_response(404, R"({"error":"not_found"})");
}
http::Response healthy() {
    return http::json_response(200, R"({"status":"ok"})");
}
http::Response ready(bool yes) {
    return yes ? http::json_response(200, R"({"status":"ready"})")
               : http::json_response(503, R"({"status":"unavailable","reason":"redis"})");
}
http::Response draining() {
    return http::json_response(503, R"({"status":"unavailable","reason":"draining"})");
}

http::Response method_not_allowed(std::string allow) {
    auto r = http::json_response(405, R"({"error":"method_not_allowed"})");
    r.headers.add("Allow", std::move(allow));
    return r;
}

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

const std::string allow_get = "GET, HEAD";
const std::string allow_get_only = "GET";
const std::string allow_post = "POST";

}  // namespace

GatewayHandler::GatewayHandler(auth::AuthRoutes& auth, proxy::ProxyHandler& proxy, redis::RedisClient& redis,
                               const StaticFiles* static_files, std::size_t max_auth_body_bytes,
                               const core::DrainSignal& drain)
    : auth_(auth),
      proxy_(proxy),
      redis_(redis),
      static_files_(static_files),
      max_auth_body_bytes_(max_auth_body_bytes),
      drain_(drain) {}

std::size_t GatewayHandler::body_limit(std::string_view, std::string_view path) const {
    // Only /auth/* reads bodies today (logout sends none); everything else gets nothing.
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

// The proxy relays Intercom's answers with their own headers (see proxy/header_rules).
asio::awaitable<void> GatewayHandler::handle_stream(http::Request& head, server::Exchange& exchange) {
    co_await proxy_.serve(head, exchange);
}

asio::awaitable<http::Response> GatewayHandler::route(http::Request& request) {
    const auto path = request.path();
    const auto& method = request.method;
    const bool get = method == "GET" || method == "HEAD";

    if (path == "/healthz") co_return get ? healthy() : method_not_allowed(allow_get);
    if (path == "/readyz") {
        if (!get) co_return method_not_allowed(allow_get);
        co_return co_await readiness();
    }
    if (path == "/auth/login") {
        if (method != "GET") co_return method_not_allowed(allow_get_only);
        co_return co_await auth_.login(request);
    }
    if (path == "/auth/callback") {
        if (method != "GET") co_return method_not_allowed(allow_get_only);
        co_return co_await auth_.callback(request);
    }
    if (path == "/auth/session") {
        if (method != "GET") co_return method_not_allowed(allow_get_only);
        co_return co_await auth_.session(request);
    }
    if (path == "/auth/logout") {
        if (method != "POST") co_return method_not_allowed(allow_post);
        co_return co_await auth_.logout(request);
    }
    if (path.starts_with("/auth/")) co_return not_found();
    if (static_files_ && get) co_return static_files_->serve(request);
    if (static_files_) co_return method_not_allowed(allow_get);
    co_return not_found();
}

asio::awaitable<http::Response> GatewayHandler::readiness() {
    if (drain_.draining()) co_return draining();
    // The client's command deadline bounds this; a down connection fails at once.
    auto ping_command = redis::command("PING");
    auto reply = co_await redis_.exec(std::move(ping_command));
    co_return ready(reply && reply->is_status("PONG"));
}

}  // namespace icg::app
