#include "session/cached_session_store.hpp"

#include "session/redis_session_store.hpp"
#include "session/session_cache.hpp"

namespace icg::session {
namespace asio = boost::asio;

CachedSessionStore::CachedSessionStore(RedisSessionStore& redis_store, SessionCache& cache)
    : redis_store_(redis_store), cache_(cache) {}

asio::awaitable<Result<core::Secret>> CachedSessionStore::create(const SessionRecord& record) {
    co_return co_await redis_store_.create(record);
}

asio::awaitable<Result<std::optional<SessionRecord>>> CachedSessionStore::load(const core::Secret& id) {
    if (!looks_like_session_id(id.expose())) co_return std::optional<SessionRecord>{};
    const std::string key = redis_store_.key_for(id);
    // The absolute lifetime is checked on a hit too; the fresh window bounds the idle one.
    auto cached = cache_.find(key, SessionCache::Clock::now());
    if (cached && cached->expires_at > redis_store_.now_unix_seconds()) co_return std::move(cached);

    auto ticket = cache_.begin_load(key);
    auto loaded = co_await redis_store_.load(id);
    if (!loaded) {
        cache_.abandon_load(ticket);
        co_return loaded.error();
    }
    cache_.finish_load(ticket, *loaded, SessionCache::Clock::now());
    co_return loaded;
}

asio::awaitable<Result<void>> CachedSessionStore::erase(const core::Secret& id) {
    if (!looks_like_session_id(id.expose())) co_return Result<void>{};
    const std::string key = redis_store_.key_for(id);
    cache_.invalidate(key);
    auto erased = co_await redis_store_.erase(id);
    cache_.invalidate(key);
    co_return erased;
}

}  // namespace icg::session
