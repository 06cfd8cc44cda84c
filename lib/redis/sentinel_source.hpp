#pragma once
// The master that Redis Sentinel names (redis.sentinels, redis.master_name). locate() asks the
// sentinels in turn, starting with the last one that answered, with `SENTINEL
// get-master-addr-by-name`. A watcher stays subscribed to `+switch-master` on one sentinel (moving
// to the next when it goes quiet) and announces each failover at once, so every connection moves
// to the new master without waiting for its own to fail. Sentinels speak TLS when the master does
// (rediss://), with the same CA and client certificate, and take redis.sentinel_password if set.
#include "core/secret.hpp"
#include "redis/redis_options.hpp"
#include "redis/server_source.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace icg::redis {

struct SentinelSettings {
    std::vector<ServerAddress> sentinels;
    std::string master_name;
    core::Secret password{};  // AUTH to the sentinels; empty: none
};

class SentinelSource final : public ServerSource {
public:
    SentinelSource(boost::asio::any_io_executor executor, SentinelSettings settings, RedisOptions options,
                   std::shared_ptr<boost::asio::ssl::context> tls);
    ~SentinelSource() override;

    // Starts and stops the +switch-master watcher.
    void start();
    void stop();

    boost::asio::awaitable<boost::system::result<ServerAddress>> locate(std::string& why) override;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace icg::redis
