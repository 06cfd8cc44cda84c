#include "session/session_cache_tracking.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/redis_client.hpp"
#include "session/session_cache.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <optional>

namespace icg::session {
namespace asio = boost::asio;

struct SessionCacheTracking::State : std::enable_shared_from_this<SessionCacheTracking::State> {
    State(asio::any_io_executor ex, redis::RedisClient& c, SessionCache& sc, std::string ks)
        : strand(asio::make_strand(ex)), client(c), cache(sc), key_space(std::move(ks)) {}

    asio::strand<asio::any_io_executor> strand;
    redis::RedisClient& client;
    SessionCache& cache;
    const std::string key_space;
    bool stopped = false;
    bool client_connected = false;
    std::optional<long long> listener_id;
    std::string last_problem;

    // Everything below runs on `strand`.

    // Any change of either connection: off and empty first, then back on once tracking is
    // confirmed on the connections as they are now.
    void reconcile() {
        const auto epoch = cache.disable();
        if (stopped || !client_connected || !listener_id) return;
        asio::co_spawn(strand, enable_tracking(shared_from_this(), *listener_id, epoch),
                       observability::StopProcessOnFailure("session cache tracking"));
    }

    static asio::awaitable<void> enable_tracking(std::shared_ptr<State> self, long long redirect, std::uint64_t epoch) {
        // Off first: tracking may already be on (with an older redirect), and Redis refuses to
        // register the same prefix twice.
        auto off_command = redis::command("CLIENT", "TRACKING", "off");
        auto result = co_await self->client.exec(std::move(off_command));
        if (result) {
            auto on_command = redis::command("CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(redirect), "BCAST",
                                             "PREFIX", self->key_space, "NOLOOP");
            result = co_await self->client.exec(std::move(on_command));
        }
        if (!result || !result->is_status("OK")) {
            const std::string problem = result ? result->text : result.error().message();
            self->report("session cache off: CLIENT TRACKING failed: " + problem, "warn");
            co_return;
        }
        if (self->cache.enable(epoch)) self->report("session cache on", "info");
    }

    void report(const std::string& text, const char* level) {
        if (stopped) return;  // connections closing because we stop are no news
        if (text == last_problem) return;
        last_problem = text;
        observability::log_event(level, text);
    }
};

SessionCacheTracking::SessionCacheTracking(asio::any_io_executor executor, redis::RedisClient& client,
                                           redis::RedisEndpoint endpoint, redis::RedisOptions options,
                                           SessionCache& cache, std::string key_space)
    : state_(std::make_shared<State>(executor, client, cache, std::move(key_space))) {
    std::weak_ptr<State> weak = state_;
    auto on_strand = [weak](auto action) {
        if (auto state = weak.lock()) asio::post(state->strand, [state, action] { action(*state); });
    };
    redis::InvalidationEvents events;
    events.subscribed = [on_strand](long long id) {
        on_strand([id](State& s) {
            s.listener_id = id;
            s.reconcile();
        });
    };
    events.lost = [on_strand] {
        on_strand([](State& s) {
            s.report("session cache off: the invalidation connection to Redis was lost", "warn");
            s.listener_id.reset();
            s.reconcile();
        });
    };
    // A flushed database: nothing cached is true any more, but tracking itself still stands.
    events.everything_invalidated = [on_strand] {
        on_strand([](State& s) {
            const auto epoch = s.cache.disable();
            if (s.client_connected && s.listener_id) s.cache.enable(epoch);
        });
    };
    // Keys arrive off the strand; the cache locks for itself, and order against a reconcile does
    // not matter because either one only ever removes entries.
    events.invalidated = [weak](std::vector<std::string> keys) {
        if (auto state = weak.lock())
            for (const auto& key : keys) state->cache.invalidate(key);
    };
    listener_ =
        std::make_unique<redis::InvalidationListener>(executor, std::move(endpoint), options, std::move(events));
}

SessionCacheTracking::~SessionCacheTracking() {
    stop();
}

void SessionCacheTracking::start() {
    std::weak_ptr<State> weak = state_;
    state_->client.on_connection_change([weak](bool connected) {
        auto state = weak.lock();
        if (!state) return;
        // Off at once, on the client's strand, so no read on a new connection is cached before
        // tracking covers it; the rest happens on our strand.
        if (!connected) state->cache.disable();
        asio::post(state->strand, [state, connected] {
            if (!connected) state->report("session cache off: the connection to Redis was lost", "warn");
            state->client_connected = connected;
            state->reconcile();
        });
    });
    listener_->start();
}

void SessionCacheTracking::stop() {
    listener_->stop();
    asio::post(state_->strand, [state = state_] {
        state->stopped = true;
        state->cache.disable();
    });
}

}  // namespace icg::session
