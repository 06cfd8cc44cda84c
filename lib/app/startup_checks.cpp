#include "app/startup_checks.hpp"

#include "app/redis_setup.hpp"
#include "config/gateway_config.hpp"
#include "net/tls_client_context.hpp"
#include "server/tls_server_context.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <stdexcept>

namespace icg::app {
namespace {

// Descriptors a process needs besides client connections: upstream and Redis connections, files,
// the listener, logs.
constexpr std::size_t reserved_descriptors = 256;

void collect(std::vector<std::string>& problems, const std::function<void()>& step) {
    try {
        step();
    } catch (const std::exception& e) {
        problems.emplace_back(e.what());
    }
}

}  // namespace

std::size_t client_connection_cap(const config::GatewayConfig& config) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    const std::size_t needed_besides = reserved_descriptors + config.proxy.max_connections;
    const std::size_t descriptors = limit.rlim_cur == RLIM_INFINITY ? 1'000'000 : limit.rlim_cur;
    const std::size_t room = descriptors > needed_besides ? descriptors - needed_besides : 0;
    if (config.server.max_connections == 0) {
        if (room < 16)
            throw std::runtime_error("server.max_connections: the descriptor limit (" + std::to_string(descriptors) +
                                     ", ulimit -n) leaves no room for client connections");
        return std::min<std::size_t>(room, 10'000);
    }
    if (config.server.max_connections > room)
        throw std::runtime_error("server.max_connections: " + std::to_string(config.server.max_connections) +
                                 " connections need more descriptors than the limit of " + std::to_string(descriptors) +
                                 " (ulimit -n) leaves room for (" + std::to_string(room) + ")");
    return config.server.max_connections;
}

std::vector<std::string> check_startup(const config::GatewayConfig& c, const std::set<std::string>& keys_with_errors) {
    const auto failed = [&](std::initializer_list<const char*> keys) {
        return std::any_of(keys.begin(), keys.end(), [&](const char* key) { return keys_with_errors.contains(key); });
    };
    std::vector<std::string> problems;
    if (c.server.tls && !failed({"tls.cert_file", "tls.key_file", "tls.min_version"}))
        collect(problems, [&] { server::make_tls_server_context(c.tls.cert_file, c.tls.key_file, c.tls.min_version); });
    // The internal listener's context adds the client CA to the same pair.
    if (c.internal.listen && c.internal.tls && !c.internal.client_ca_file.empty() &&
        !failed({"tls.cert_file", "tls.key_file", "tls.min_version", "internal.client_ca_file"}))
        collect(problems, [&] {
            try {
                server::make_tls_server_context(c.tls.cert_file, c.tls.key_file, c.tls.min_version,
                                                c.internal.client_ca_file);
            } catch (const std::runtime_error& e) {
                // The pair's own problems are reported once, above.
                if (std::string_view(e.what()).starts_with("internal.")) throw;
            }
        });
    if (!failed({"intercom.ca_file"}))
        collect(problems,
                [&] { net::make_tls_client_context({.ca_file = c.intercom.ca_file, .section = "intercom"}); });
    if (c.redis.endpoint.tls && !failed({"redis.url", "redis.ca_file", "redis.cert_file", "redis.key_file"}))
        collect(problems, [&] { net::make_tls_client_context(redis_tls_files(c.redis)); });
    if (!failed({"server.max_connections", "proxy.max_connections"}))
        collect(problems, [&] { client_connection_cap(c); });
    return problems;
}

}  // namespace icg::app
