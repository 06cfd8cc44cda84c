#include "app/health_routes.hpp"

#include "core/drain_signal.hpp"
#include "redis/commands.hpp"

namespace icg::app {
namespace asio = boost::asio;

namespace {

// Plain functions, not coroutines: GCC 12 miscompiles string literals inside co_return expressions.
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
http::Response get_only() {
    return method_not_allowed("GET, HEAD");
}

}  // namespace

http::Response method_not_allowed(std::string allow) {
    auto r = http::json_response(405, R"({"error":"method_not_allowed"})");
    r.headers.add("Allow", std::move(allow));
    return r;
}

http::Response not_found() {
    return http::json_response(404, R"({"error":"not_found"})");
}

bool is_health_path(std::string_view path) noexcept {
    return path == "/healthz" || path == "/readyz";
}

HealthRoutes::HealthRoutes(redis::Commands& redis, const core::DrainSignal& drain) : redis_(redis), drain_(drain) {}

asio::awaitable<std::optional<http::Response>> HealthRoutes::serve(const http::Request& request) {
    const auto path = request.path();
    if (!is_health_path(path)) co_return std::nullopt;
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (!get) co_return get_only();
    if (path == "/healthz") co_return healthy();
    co_return co_await readiness();
}

asio::awaitable<http::Response> HealthRoutes::readiness() {
    if (drain_.draining()) co_return draining();
    // The client's command deadline bounds this; a down connection fails at once.
    auto ping_command = redis::command("PING");
    auto reply = co_await redis_.exec(std::move(ping_command));
    co_return ready(reply && reply->is_status("PONG"));
}

}  // namespace icg::app
