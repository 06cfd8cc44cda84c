#include "cache/cache_tracking.hpp"

#include "cache/invalidation_target.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/redis_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <optional>

namespace icg::cache {
namespace asio = boost::asio;

struct CacheTracking::State : std::enable_shared_from_this<CacheTracking::State> {
    State(asio::any_io_executor ex, redis::RedisClient& c, std::vector<TrackedKeySpace> s)
        : strand(asio::make_strand(ex)), client(c), spaces(std::move(s)) {
        for (const auto& space : spaces) names += (names.empty() ? "" : ", ") + space.name;
    }

    asio::strand<asio::any_io_executor> strand;
    redis::RedisClient& client;
    const std::vector<TrackedKeySpace> spaces;
    std::string names;  // "session, workspace"
    bool stopped = false;
    std::optional<redis::ServerAddress> client_server;  // while the command connection is up
    std::optional<long long> listener_id;               // while the listener is subscribed
    std::optional<redis::ServerAddress> listener_server;
    std::string last_problem;

    // Everything below runs on `strand`.

    // Any change of either connection: off and empty first, then back on once tracking is
    // confirmed on the connections as they are now.
    void reconcile() {
        auto epochs = disable_all();
        if (stopped || !client_server || !listener_id) return;
        // Mid-failover one connection may reach the new master before the other: tracking
        // redirected to a listener on another server would report nothing (or another client's
        // keys, client ids being per server).
        if (client_server != listener_server) {
            report("cache off (" + names + "): the command connection (" + client_server->text() +
                       ") and the invalidation connection (" + listener_server->text() + ") are on different servers",
                   "warn");
            return;
        }
        asio::co_spawn(strand, enable_tracking(shared_from_this(), *listener_id, std::move(epochs)),
                       observability::StopProcessOnFailure("cache tracking"));
    }

    std::vector<std::uint64_t> disable_all() const {
        std::vector<std::uint64_t> epochs;
        for (const auto& space : spaces) epochs.push_back(space.cache.disable());
        return epochs;
    }

    // True when every cache came on (none was disabled again meanwhile).
    bool enable_all(const std::vector<std::uint64_t>& epochs) const {
        bool all = true;
        for (std::size_t i = 0; i < spaces.size(); ++i) all = spaces[i].cache.enable(epochs[i]) && all;
        return all;
    }

    void invalidate(const std::string& key) const {
        for (const auto& space : spaces)
            if (key.starts_with(space.prefix)) space.cache.invalidate(key);
    }

    static asio::awaitable<void> enable_tracking(std::shared_ptr<State> self, long long redirect,
                                                 std::vector<std::uint64_t> epochs) {
        // Off first: tracking may already be on (with an older redirect), and Redis refuses to
        // register the same prefix twice.
        auto off_command = redis::command("CLIENT", "TRACKING", "off");
        auto result = co_await self->client.exec(std::move(off_command));
        if (result) {
            auto on_command = redis::command("CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(redirect), "BCAST");
            for (const auto& space : self->spaces) {
                on_command.emplace_back("PREFIX");
                on_command.push_back(space.prefix);
            }
            on_command.emplace_back("NOLOOP");
            result = co_await self->client.exec(std::move(on_command));
        }
        if (!result || !result->is_status("OK")) {
            const std::string problem = result ? result->text : result.error().message();
            self->report("cache off (" + self->names + "): CLIENT TRACKING failed: " + problem, "warn");
            co_return;
        }
        if (self->enable_all(epochs)) self->report("cache on (" + self->names + ")", "info");
    }

    void report(const std::string& text, const char* level) {
        if (stopped) return;  // connections closing because we stop are no news
        if (text == last_problem) return;
        last_problem = text;
        observability::log_event(level, text);
    }
};

CacheTracking::CacheTracking(asio::any_io_executor executor, redis::RedisClient& client,
                             std::shared_ptr<const redis::RedisConnector> connector,
                             std::vector<TrackedKeySpace> spaces)
    : state_(std::make_shared<State>(executor, client, std::move(spaces))) {
    std::weak_ptr<State> weak = state_;
    auto on_strand = [weak](auto action) {
        if (auto state = weak.lock()) asio::post(state->strand, [state, action] { action(*state); });
    };
    redis::InvalidationEvents events;
    events.subscribed = [on_strand](long long id, const redis::ServerAddress& server) {
        on_strand([id, server](State& s) {
            s.listener_id = id;
            s.listener_server = server;
            s.reconcile();
        });
    };
    events.lost = [on_strand] {
        on_strand([](State& s) {
            s.report("cache off (" + s.names + "): the invalidation connection to Redis was lost", "warn");
            s.listener_id.reset();
            s.listener_server.reset();
            s.reconcile();
        });
    };
    // A flushed database: nothing cached is true any more, but tracking itself still stands.
    events.everything_invalidated = [on_strand] {
        on_strand([](State& s) {
            const auto epochs = s.disable_all();
            if (s.client_server && s.listener_id && s.client_server == s.listener_server) s.enable_all(epochs);
        });
    };
    // Keys arrive off the strand; the cache locks for itself, and order against a reconcile does
    // not matter because either one only ever removes entries.
    events.invalidated = [weak](std::vector<std::string> keys) {
        if (auto state = weak.lock())
            for (const auto& key : keys) state->invalidate(key);
    };
    listener_ = std::make_unique<redis::InvalidationListener>(executor, std::move(connector), std::move(events));
}

CacheTracking::~CacheTracking() {
    stop();
}

void CacheTracking::start() {
    std::weak_ptr<State> weak = state_;
    state_->client.on_connection_change([weak](const std::optional<redis::ServerAddress>& server) {
        auto state = weak.lock();
        if (!state) return;
        // Off at once, on the client's strand, so no read on a new connection is cached before
        // tracking covers it; the rest happens on our strand.
        if (!server) state->disable_all();
        asio::post(state->strand, [state, server] {
            if (!server) state->report("cache off (" + state->names + "): the connection to Redis was lost", "warn");
            state->client_server = server;
            state->reconcile();
        });
    });
    listener_->start();
}

void CacheTracking::stop() {
    listener_->stop();
    asio::post(state_->strand, [state = state_] {
        state->stopped = true;
        state->disable_all();
    });
}

}  // namespace icg::cache
