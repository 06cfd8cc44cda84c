#pragma once
// The session store the request path uses: sessions come from the in-process cache while it holds
// them and Redis otherwise. Writes go to Redis; this process's own erasures also drop the entry
// here, since Redis does not echo a client's own changes back to it (NOLOOP).
#include "session/session_store.hpp"

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
    RedisSessionStore& redis_store_;
    SessionCache& cache_;
};

}  // namespace icg::session
