#pragma once
// The session store the request path uses: sessions come from the in-process cache while it holds
// them and Redis otherwise. Writes go to Redis; this process's own erasures also drop the entry
// here, since Redis does not echo a client's own changes back to it (NOLOOP).
//
// Loads of one session are shared: while one request reads it from Redis, others that miss the
// cache wait for that read and then look in the cache again (where it is, unless an invalidation
// overtook it: then they read Redis themselves). A thousand browsers of one session whose entry
// just went stale make one Redis read, not a thousand.
#include "session/session_store.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace icg::core {
class Wakeup;
}

namespace icg::session {

class RedisSessionStore;
class SessionCache;

class CachedSessionStore final : public SessionStore {
public:
    CachedSessionStore(RedisSessionStore& redis_store, SessionCache& cache);

    boost::asio::awaitable<Result<core::Secret>> create(const SessionRecord& record) override;
    boost::asio::awaitable<Result<std::optional<SessionRecord>>> load(const core::Secret& id) override;
    boost::asio::awaitable<Result<void>> erase(const core::Secret& id) override;

private:
    class Flight;

    RedisSessionStore& redis_store_;
    SessionCache& cache_;
    std::mutex flights_mutex_;
    std::map<std::string, std::vector<std::shared_ptr<core::Wakeup>>, std::less<>> flights_;  // key → followers
};

}  // namespace icg::session
