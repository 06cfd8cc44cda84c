#pragma once
// Keeps the session cache honest with Redis client-side caching over RESP2: the command
// connection runs `CLIENT TRACKING on REDIRECT <listener> BCAST PREFIX <session keys> NOLOOP`, so
// any change another gateway makes to a session (logout, a 401, expiry, a slid timeout) reaches
// the listener connection and drops the entry here. The cache is on only while both connections
// are up and tracking is confirmed on the current ones; every loss empties it.
#include "redis/invalidation_listener.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace icg::redis {
class RedisClient;
}

namespace icg::session {

class SessionCache;

class SessionCacheTracking {
public:
    SessionCacheTracking(boost::asio::any_io_executor executor, redis::RedisClient& client,
                         redis::RedisEndpoint endpoint, redis::RedisOptions options, SessionCache& cache,
                         std::string key_space);
    ~SessionCacheTracking();
    SessionCacheTracking(const SessionCacheTracking&) = delete;
    SessionCacheTracking& operator=(const SessionCacheTracking&) = delete;

    // Call before the client's start(): it observes the client's connection.
    void start();
    void stop();

    struct State;

private:
    std::shared_ptr<State> state_;
    std::unique_ptr<redis::InvalidationListener> listener_;
};

}  // namespace icg::session
