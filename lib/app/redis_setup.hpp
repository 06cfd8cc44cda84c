#pragma once
// Every connection the gateway keeps to Redis, as the configuration describes them: one server
// (redis.url), the master Sentinel names (redis.sentinels), or a Cluster (redis.cluster_nodes);
// plain or TLS (rediss://, redis.ca_file, redis.cert_file, redis.key_file); and with
// redis.min_replicas_ack, a second set of connections for the writes a login waits on.
#include "config/gateway_config.hpp"
#include "net/tls_client_context.hpp"
#include "observability/telemetry.hpp"
#include "redis/commands.hpp"
#include "redis/redis_options.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace icg::cache {
class CacheTracking;
}

namespace icg::app {

net::TlsClientFiles redis_tls_files(const config::RedisSettings& settings);

redis::RedisOptions redis_options(const config::RedisSettings& settings);

class RedisConnections {
public:
    // Throws std::runtime_error naming the setting when a TLS file cannot be loaded (start-up only).
    RedisConnections(boost::asio::any_io_executor executor, const config::RedisSettings& settings,
                     observability::RedisTelemetry& telemetry);
    ~RedisConnections();
    RedisConnections(const RedisConnections&) = delete;
    RedisConnections& operator=(const RedisConnections&) = delete;

    // What the stores send their commands through.
    redis::Commands& commands();
    // Where new sessions and workspace connections are written and their WAIT sent: commands()
    // itself unless redis.min_replicas_ack asks for replicas.
    redis::Commands& durable_commands();

    // Hands every Redis server whose keys the caches may hold to `tracking`, now and as they
    // change. Call before start().
    void track_caches(cache::CacheTracking& tracking);

    void start();
    void stop();

    struct Parts;

private:
    std::unique_ptr<Parts> parts_;
};

}  // namespace icg::app
