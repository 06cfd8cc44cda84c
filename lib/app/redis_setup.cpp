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

std::shared_ptr<redis::RedisConnector> make_redis_connector(boost::asio::any_io_executor executor,
                                                            const config::RedisSettings& settings) {
    auto tls = settings.endpoint.tls ? net::make_tls_client_context(redis_tls_files(settings)) : nullptr;
    return redis::connect_to_url(std::move(executor), settings.endpoint, redis_options(settings), std::move(tls));
}

}  // namespace icg::app
