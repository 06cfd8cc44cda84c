#pragma once
// A second Redis connection that receives client-side-caching invalidations over RESP2: it learns
// its client id, subscribes to __redis__:invalidate and reports every key Redis says changed. A
// PING every second proves the connection alive; any loss is reported so caches drop everything.
// A Subscription (subscription.hpp) that reads invalidation messages.
#include "redis/server_source.hpp"
#include "redis/subscription.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace icg::redis {

class RedisConnector;

struct InvalidationEvents {
    // Subscribed: commands to the same `server` may now redirect tracking to `client_id`.
    std::function<void(long long client_id, const ServerAddress& server)> subscribed;
    // These keys changed, expired or were deleted.
    std::function<void(std::vector<std::string> keys)> invalidated;
    // Every key may have changed (FLUSHDB, FLUSHALL): forget everything.
    std::function<void()> everything_invalidated;
    // The connection is gone, and invalidations with it, until `subscribed` is called again.
    std::function<void()> lost;
};

class InvalidationListener {
public:
    InvalidationListener(boost::asio::any_io_executor executor, std::shared_ptr<const RedisConnector> connector,
                         InvalidationEvents events);
    InvalidationListener(const InvalidationListener&) = delete;
    InvalidationListener& operator=(const InvalidationListener&) = delete;

    void start() { subscription_.start(); }
    void stop() { subscription_.stop(); }

private:
    Subscription subscription_;
};

}  // namespace icg::redis
