#pragma once
// What a reload may change at once, and what waits for a restart: listeners, threads, the Redis
// connection, the Intercom app and its connections, the session store and caches are built once;
// everything a request is served with is rebuilt from the new configuration.
#include "config/gateway_config.hpp"

#include <string>
#include <vector>

namespace icg::app {

struct ReloadPlan {
    // The new configuration, but with the running value wherever a change needs a restart.
    config::GatewayConfig config;
    // The keys whose new value waits for a restart, in the documented order.
    std::vector<std::string> restart_needed;
};

ReloadPlan plan_reload(const config::GatewayConfig& running, config::GatewayConfig next);

}  // namespace icg::app
