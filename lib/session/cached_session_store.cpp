#include "session/cached_session_store.hpp"

#include "session/redis_session_store.hpp"

#include "cache/load_through.hpp"

#include <chrono>

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
    auto read = [&] { return redis_store_.load(id); };
    auto usable = [&](const SessionRecord& record) { return record.expires_at > redis_store_.now_unix_seconds(); };
    co_return co_await cache::load_through(cache_, shared_reads_, key, read, usable);
}

asio::awaitable<Result<void>> CachedSessionStore::erase(const core::Secret& id) {
    if (!looks_like_session_id(id.expose())) co_return Result<void>{};
    const std::string key = redis_store_.key_for(id);
    cache_.invalidate(key);
    auto erased = co_await redis_store_.erase(id);
    cache_.invalidate(key);
    co_return erased;
}

// Redis does not echo this process's own deletions (NOLOOP): the ended keys leave the cache here.
asio::awaitable<Result<std::size_t>> CachedSessionStore::end_workspace(std::string_view workspace_id,
                                                                       const core::Secret* token) {
    std::vector<std::string> ended_keys;
    auto ended = co_await redis_store_.end_workspace_keys(workspace_id, token, &ended_keys);
    for (const auto& key : ended_keys) cache_.invalidate(key);
    co_return ended;
}

}  // namespace icg::session
