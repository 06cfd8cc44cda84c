#pragma once
// Keeps in-process caches honest with Redis client-side caching over RESP2: the command
// connection runs `CLIENT TRACKING on REDIRECT <listener> BCAST PREFIX <keys> … NOLOOP`, so any
// change another gateway makes to a tracked key (a logout, a 401, expiry, a slid timeout, a
// revoked workspace) reaches the listener connection and drops the entry from the cache whose key
// space holds it. The caches are on only while both connections are up, to the same server, and
// tracking is confirmed on the current ones; every loss, and every move of one connection to
// another server (a failover), empties them all.
#include "redis/invalidation_listener.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace icg::redis {
class RedisClient;
class RedisConnector;
}  // namespace icg::redis

namespace icg::cache {

class InvalidationTarget;

// Keys starting with `prefix` belong to `cache`. Prefixes must not overlap (Redis refuses that).
struct TrackedKeySpace {
    std::string name;  // for the log: "session"
    std::string prefix;
    InvalidationTarget& cache;
};

class CacheTracking {
public:
    // The listener connects through `connector`, the one `client` uses.
    CacheTracking(boost::asio::any_io_executor executor, redis::RedisClient& client,
                  std::shared_ptr<const redis::RedisConnector> connector, std::vector<TrackedKeySpace> spaces);
    ~CacheTracking();
    CacheTracking(const CacheTracking&) = delete;
    CacheTracking& operator=(const CacheTracking&) = delete;

    // Call before the client's start(): it observes the client's connection.
    void start();
    void stop();

    struct State;

private:
    std::shared_ptr<State> state_;
    std::unique_ptr<redis::InvalidationListener> listener_;
};

}  // namespace icg::cache
