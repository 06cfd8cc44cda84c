#include "session/cached_session_store.hpp"

#include "session/redis_session_store.hpp"
#include "session/session_cache.hpp"

#include "core/wakeup.hpp"

#include <boost/asio/this_coro.hpp>

#include <chrono>

namespace icg::session {
namespace asio = boost::asio;

// Held by the request that reads Redis for a key: ending it, however the load ends, wakes the followers.
class CachedSessionStore::Flight {
public:
    Flight(CachedSessionStore& store, std::string key) : store_(store), key_(std::move(key)) {}
    Flight(const Flight&) = delete;
    Flight& operator=(const Flight&) = delete;
    ~Flight() {
        std::vector<std::shared_ptr<core::Wakeup>> followers;
        {
            std::lock_guard lock(store_.flights_mutex_);
            auto it = store_.flights_.find(key_);
            if (it == store_.flights_.end()) return;
            followers = std::move(it->second);
            store_.flights_.erase(it);
        }
        for (auto& follower : followers) core::Wakeup::wake(std::move(follower));
    }

private:
    CachedSessionStore& store_;
    std::string key_;
};

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

    // Lead the read of this key, or follow the one already under way.
    const auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<core::Wakeup> follower;
    std::optional<Flight> flight;
    {
        std::lock_guard lock(flights_mutex_);
        auto [it, leading] = flights_.try_emplace(key);
        if (!leading) {
            follower = std::make_shared<core::Wakeup>(executor);
            it->second.push_back(follower);
        }
    }
    if (follower) {
        // The bound only matters if the leader never ends; its Redis command has its own deadline.
        co_await follower->wait(std::chrono::seconds(10));
        auto shared = cache_.find(key, SessionCache::Clock::now());
        if (shared && shared->expires_at > redis_store_.now_unix_seconds()) co_return std::move(shared);
        // Not cached after all (unknown session, Redis failure, an invalidation overtook the
        // read, or the cache is off): read Redis for ourselves.
    } else {
        flight.emplace(*this, key);
    }

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
