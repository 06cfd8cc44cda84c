#pragma once
// What start-up needs beyond a valid configuration: certificates that load and match their keys,
// CA files that hold certificates, descriptors for the connection cap. GatewayApp and
// --check-config use the same functions, so a check that passes means a start that does.
#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace icg::config {
struct GatewayConfig;
}

namespace icg::app {

// The client connection cap: the configured one, or what the descriptor limit (raised to its hard
// maximum first) leaves room for. Throws std::runtime_error naming server.max_connections when the
// limit cannot hold it.
std::size_t client_connection_cap(const config::GatewayConfig& config);

// Loads every TLS pair and CA file the configuration names, as start-up would, and checks the
// connection cap; returns every problem found ("key: what"). Keys in `keys_with_errors` already
// failed to load and are skipped.
std::vector<std::string> check_startup(const config::GatewayConfig& config,
                                       const std::set<std::string>& keys_with_errors);

}  // namespace icg::app
