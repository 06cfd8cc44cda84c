#pragma once
// /healthz and /readyz, the same on every listener: alive, and ready (Redis answers, not draining).
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string_view>

namespace icg::core {
class DrainSignal;
}
namespace icg::redis {
class Commands;
}

namespace icg::app {

class HealthRoutes {
public:
    HealthRoutes(redis::Commands& redis, const core::DrainSignal& drain);

    // The answer when `request` is for /healthz or /readyz; nullopt for any other path.
    boost::asio::awaitable<std::optional<http::Response>> serve(const http::Request& request);

private:
    boost::asio::awaitable<http::Response> readiness();

    redis::Commands& redis_;
    const core::DrainSignal& drain_;
};

// /healthz or /readyz.
bool is_health_path(std::string_view path) noexcept;

// 405 with its Allow field.
http::Response method_not_allowed(std::string allow);
http::Response not_found();

}  // namespace icg::app
