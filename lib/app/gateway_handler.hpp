#pragma once
// The gateway's routing table: health, readiness, the auth routes and the SPA's static files.
#include "server/handler.hpp"

#include <cstddef>
#include <memory>

namespace icg::auth {
class AuthRoutes;
class UninstallNotices;
}  // namespace icg::auth
namespace icg::proxy {
class ProxyHandler;
}

namespace icg::app {

class HealthRoutes;
class StaticFiles;

class GatewayHandler final : public server::Handler {
public:
    // `static_files` may be null (no SPA served).
    GatewayHandler(auth::AuthRoutes& auth, auth::UninstallNotices& uninstall_notices, proxy::ProxyHandler& proxy,
                   HealthRoutes& health, const StaticFiles* static_files, std::size_t max_auth_body_bytes);

    std::size_t body_limit(std::string_view method, std::string_view path) const override;
    boost::asio::awaitable<http::Response> handle(http::Request& request) override;
    bool streams(const http::Request& head) const override;
    boost::asio::awaitable<void> handle_stream(http::Request& head, server::Exchange& exchange) override;
    observability::RouteGroup route_group(const http::Request& head) const override;

private:
    boost::asio::awaitable<http::Response> route(http::Request& request);
    auth::AuthRoutes& auth_;
    auth::UninstallNotices& uninstall_notices_;
    proxy::ProxyHandler& proxy_;
    HealthRoutes& health_;
    const StaticFiles* static_files_;
    std::size_t max_auth_body_bytes_;
};

}  // namespace icg::app
