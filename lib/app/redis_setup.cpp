#include "app/redis_setup.hpp"

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

RedisAccess make_redis_access(boost::asio::any_io_executor executor, const config::RedisSettings& settings) {
    auto tls = settings.endpoint.tls ? net::make_tls_client_context(redis_tls_files(settings)) : nullptr;
    if (settings.sentinels.empty())
        return {.connector = redis::connect_to_url(executor, settings.endpoint, redis_options(settings), tls),
                .sentinels = nullptr};
    redis::SentinelSettings sentinel;
    for (const auto& at : settings.sentinels) sentinel.sentinels.push_back({at.host, at.port});
    sentinel.master_name = settings.master_name;
    sentinel.password = settings.sentinel_password;
    auto source = std::make_shared<redis::SentinelSource>(executor, std::move(sentinel), redis_options(settings), tls);
    auto connector = std::make_shared<redis::RedisConnector>(executor, settings.endpoint, redis_options(settings),
                                                             std::move(tls), source);
    return {.connector = std::move(connector), .sentinels = std::move(source)};
}

}  // namespace icg::app
