#pragma once
// The gateway's routing table: health, readiness, the auth routes and the SPA's static files.
#include "server/handler.hpp"

#include <cstddef>
#include <memory>

namespace icg::auth {
class AuthRoutes;
}
namespace icg::core {
class DrainSignal;
}
namespace icg::proxy {
class ProxyHandler;
}
namespace icg::redis {
class RedisClient;
}

namespace icg::app {

class StaticFiles;

class GatewayHandler final : public server::Handler {
public:
    // `static_files` may be null (no SPA served).
    GatewayHandler(auth::AuthRoutes& auth, proxy::ProxyHandler& proxy, redis::RedisClient& redis,
                   const StaticFiles* static_files, std::size_t max_auth_body_bytes, const core::DrainSignal& drain);

    std::size_t body_limit(std::string_view method, std::string_view path) const override;
    boost::asio::awaitable<http::Response> handle(http::Request& request) override;
    bool streams(const http::Request& head) const override;
    boost::asio::awaitable<void> handle_stream(http::Request& head, server::Exchange& exchange) override;

private:
    boost::asio::awaitable<http::Response> route(http::Request& request);
    boost::asio::awaitable<http::Response> readiness();

    auth::AuthRoutes& auth_;
    proxy::ProxyHandler& proxy_;
    redis::RedisClient& redis_;
    const StaticFiles* static_files_;
    std::size_t max_auth_body_bytes_;
    const core::DrainSignal& drain_;
};

}  // namespace icg::app
