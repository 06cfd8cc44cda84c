#pragma once
// Keeps in-process caches honest with Redis client-side caching over RESP2: each Redis server's
// command connection runs `CLIENT TRACKING on REDIRECT <listener> BCAST PREFIX <keys> … NOLOOP`,
// so any change another gateway makes to a tracked key (a logout, a 401, expiry, a slid timeout, a
// revoked workspace) reaches that server's listener connection and drops the entry from the cache
// whose key space holds it. One server, or each primary of a Cluster (a node reports only the keys
// it holds). The caches are on only while, for every server, both connections are up, on that same
// server, and tracking is confirmed on the current ones; every loss, every move of a connection to
// another server (a failover), and every change of the set of servers empties them all.
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
    CacheTracking(boost::asio::any_io_executor executor, std::vector<TrackedKeySpace> spaces);
    ~CacheTracking();
    CacheTracking(const CacheTracking&) = delete;
    CacheTracking& operator=(const CacheTracking&) = delete;

    // A server whose keys the caches may hold: `client` is its command connection (observed from
    // now on: call before the client starts), `connector` opens its invalidation listener. `id`
    // names it for remove_server (its address).
    void add_server(const std::string& id, std::shared_ptr<redis::RedisClient> client,
                    std::shared_ptr<const redis::RedisConnector> connector);
    // The server holds none of the keys any more (a Cluster's map changed); call before its client
    // is stopped.
    void remove_server(const std::string& id);

    void start();
    void stop();

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace icg::cache
