#pragma once
// The connector to Redis as the configuration describes it: the server (redis.url's address, or
// the master Sentinel names), plain or TLS (rediss://, redis.ca_file, redis.cert_file,
// redis.key_file), the deadlines.
#include "config/gateway_config.hpp"
#include "net/tls_client_context.hpp"
#include "redis/redis_connector.hpp"
#include "redis/sentinel_source.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace icg::app {

net::TlsClientFiles redis_tls_files(const config::RedisSettings& settings);

redis::RedisOptions redis_options(const config::RedisSettings& settings);

struct RedisAccess {
    std::shared_ptr<redis::RedisConnector> connector;
    // With redis.sentinels: the source the connector asks, whose watcher the owner starts and
    // stops with the Redis client. Null otherwise.
    std::shared_ptr<redis::SentinelSource> sentinels;
};

// Throws std::runtime_error naming the setting when a TLS file cannot be loaded (start-up only).
RedisAccess make_redis_access(boost::asio::any_io_executor executor, const config::RedisSettings& settings);

}  // namespace icg::app
