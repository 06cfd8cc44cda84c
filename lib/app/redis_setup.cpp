#include "app/redis_setup.hpp"

#include "cache/cache_tracking.hpp"
#include "redis/cluster_client.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "redis/sentinel_source.hpp"

#include <boost/asio/ssl/context.hpp>

namespace icg::app {

net::TlsClientFiles redis_tls_files(const config::RedisSettings& settings) {
    return {.ca_file = settings.ca_file,
            .cert_file = settings.cert_file,
            .key_file = settings.key_file,
            .section = "redis"};
}

redis::RedisOptions redis_options(const config::RedisSettings& settings) {
    return {.connect_timeout = settings.connect_timeout, .command_timeout = settings.command_timeout};
}

namespace {

std::vector<redis::ServerAddress> addresses(const std::vector<config::HostPort>& list) {
    std::vector<redis::ServerAddress> out;
    for (const auto& at : list) out.push_back({at.host, at.port});
    return out;
}

}  // namespace

struct RedisConnections::Parts {
    // One server or Sentinel's master: a connector, and clients on it.
    std::shared_ptr<redis::SentinelSource> sentinels;
    std::shared_ptr<redis::RedisConnector> connector;
    std::shared_ptr<redis::RedisClient> client;
    std::shared_ptr<redis::RedisClient> durable_client;
    // A Cluster: clients of their own, one per primary inside.
    std::unique_ptr<redis::ClusterClient> cluster;
    std::unique_ptr<redis::ClusterClient> durable_cluster;
};

RedisConnections::RedisConnections(boost::asio::any_io_executor executor, const config::RedisSettings& settings,
                                   observability::RedisTelemetry& telemetry)
    : parts_(std::make_unique<Parts>()) {
    auto tls = settings.endpoint.tls ? net::make_tls_client_context(redis_tls_files(settings)) : nullptr;
    const bool durable = settings.min_replicas_ack > 0;
    if (!settings.cluster_nodes.empty()) {
        const auto seeds = addresses(settings.cluster_nodes);
        parts_->cluster = std::make_unique<redis::ClusterClient>(executor, settings.endpoint, redis_options(settings),
                                                                 tls, seeds, telemetry);
        if (durable)
            parts_->durable_cluster = std::make_unique<redis::ClusterClient>(
                executor, settings.endpoint, redis_options(settings), tls, seeds, telemetry);
        return;
    }
    std::shared_ptr<redis::ServerSource> source;
    if (!settings.sentinels.empty()) {
        redis::SentinelSettings sentinel;
        sentinel.sentinels = addresses(settings.sentinels);
        sentinel.master_name = settings.master_name;
        sentinel.password = settings.sentinel_password;
        parts_->sentinels =
            std::make_shared<redis::SentinelSource>(executor, std::move(sentinel), redis_options(settings), tls);
        source = parts_->sentinels;
    } else {
        source =
            std::make_shared<redis::FixedServer>(redis::ServerAddress{settings.endpoint.host, settings.endpoint.port});
    }
    parts_->connector = std::make_shared<redis::RedisConnector>(executor, settings.endpoint, redis_options(settings),
                                                                std::move(tls), std::move(source));
    parts_->client = std::make_shared<redis::RedisClient>(executor, parts_->connector, telemetry);
    if (durable) parts_->durable_client = std::make_shared<redis::RedisClient>(executor, parts_->connector, telemetry);
}

RedisConnections::~RedisConnections() = default;

redis::Commands& RedisConnections::commands() {
    if (parts_->cluster) return *parts_->cluster;
    return *parts_->client;
}

redis::Commands& RedisConnections::durable_commands() {
    if (parts_->durable_cluster) return *parts_->durable_cluster;
    if (parts_->durable_client) return *parts_->durable_client;
    return commands();
}

void RedisConnections::track_caches(cache::CacheTracking& tracking) {
    if (!parts_->cluster) {
        tracking.add_server("", parts_->client, parts_->connector);
        return;
    }
    // Each primary reports changes to the keys it holds only.
    redis::ClusterNodeEvents events;
    events.added = [&tracking](const redis::ClusterNode& node) {
        tracking.add_server(node.address.text(), node.client, node.connector);
    };
    events.removed = [&tracking](const redis::ServerAddress& address) { tracking.remove_server(address.text()); };
    parts_->cluster->on_nodes(std::move(events));
}

void RedisConnections::start() {
    if (parts_->sentinels) parts_->sentinels->start();
    if (parts_->cluster) parts_->cluster->start();
    if (parts_->durable_cluster) parts_->durable_cluster->start();
    if (parts_->client) parts_->client->start();
    if (parts_->durable_client) parts_->durable_client->start();
}

void RedisConnections::stop() {
    if (parts_->client) parts_->client->stop();
    if (parts_->durable_client) parts_->durable_client->stop();
    if (parts_->cluster) parts_->cluster->stop();
    if (parts_->durable_cluster) parts_->durable_cluster->stop();
    if (parts_->sentinels) parts_->sentinels->stop();
}

}  // namespace icg::app
