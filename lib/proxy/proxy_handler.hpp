#pragma once
// /intercom/* → Intercom's API with the session's token injected, bodies relayed in bounded
// pieces both ways, over pooled verified TLS connections.
#include "core/keyed_gate.hpp"
#include "http/message.hpp"
#include "observability/telemetry.hpp"
#include "proxy/caller.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace icg::core {
class Random;
class Secret;
}  // namespace icg::core
namespace icg::server {
class Exchange;
}
namespace icg::upstream {
class UpstreamCall;
class UpstreamClient;
}  // namespace icg::upstream

namespace icg::proxy {

struct ProxySettings {
    std::string upstream_host;  // Host header for the upstream: host[:port] of intercom.api_base
    std::string upstream_path;  // path of intercom.api_base, usually empty
    std::string api_version;    // Intercom-Version added when the client sent none; may be empty
    std::chrono::milliseconds response_timeout{30'000};   // request sent → response header
    std::chrono::milliseconds idle_body_timeout{30'000};  // longest pause inside a body
    // Calls of one caller (a browser session) in flight at once; more wait up to
    // in_flight_patience, then get 429, so one slow or greedy caller cannot hold every upstream
    // connection.
    std::size_t max_in_flight_per_caller = 8;
    std::chrono::milliseconds in_flight_patience{2'000};
};

class WorkspaceRateLimits;

class ProxyHandler {
public:
    // `rate_limits` is shared by every ProxyHandler of the gateway (browsers' and services').
    // Each upstream call's outcome is reported to `telemetry`.
    ProxyHandler(ProxySettings settings, CallerResolver& callers, upstream::UpstreamClient& upstream,
                 WorkspaceRateLimits& rate_limits, core::Random& random,
                 observability::UpstreamTelemetry& telemetry = observability::no_telemetry());

    boost::asio::awaitable<void> serve(http::Request& head, server::Exchange& exchange);

private:
    // One proxied call's facts, for relay().
    struct Forward {
        server::Exchange& exchange;
        Caller& caller;
        const std::string& request_id;
        bool has_body = false;
    };
    // Relays the client's body and Intercom's answer over a started call, or answers its failure.
    boost::asio::awaitable<void> relay(upstream::UpstreamCall& call, const Forward& forward,
                                       std::chrono::steady_clock::time_point started);

    ProxySettings settings_;
    CallerResolver& callers_;
    upstream::UpstreamClient& upstream_;
    WorkspaceRateLimits& rate_limits_;
    core::Random& random_;
    observability::UpstreamTelemetry& telemetry_;
    core::KeyedGate calls_in_flight_;  // per caller
};

// True for /intercom and everything below it.
bool is_proxy_path(std::string_view path) noexcept;

}  // namespace icg::proxy
