#pragma once
// The session store the request path uses: sessions come from the in-process cache while it holds
// them and Redis otherwise. Writes go to Redis; this process's own erasures also drop the entry
// here, since Redis does not echo a client's own changes back to it (NOLOOP).
//
// Loads of one session are shared: while one request reads it from Redis, others that miss the
// cache wait for that read and then look in the cache again (where it is, unless an invalidation
// overtook it: then they read Redis themselves). A thousand browsers of one session whose entry
// just went stale make one Redis read, not a thousand.
#include "cache/shared_reads.hpp"
#include "session/session_cache.hpp"
#include "session/session_store.hpp"

namespace icg::session {

class RedisSessionStore;

class CachedSessionStore final : public SessionStore {
public:
    CachedSessionStore(RedisSessionStore& redis_store, SessionCache& cache);

    boost::asio::awaitable<Result<core::Secret>> create(const SessionRecord& record) override;
    boost::asio::awaitable<Result<std::optional<SessionRecord>>> load(const core::Secret& id) override;
    boost::asio::awaitable<Result<void>> erase(const core::Secret& id) override;
    boost::asio::awaitable<Result<std::size_t>> end_workspace(std::string_view workspace_id,
                                                              const core::Secret* token) override;

private:
    RedisSessionStore& redis_store_;
    SessionCache& cache_;
    cache::SharedReads shared_reads_;
};

}  // namespace icg::session
