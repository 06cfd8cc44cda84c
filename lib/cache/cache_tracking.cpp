#include "cache/cache_tracking.hpp"

#include "cache/invalidation_target.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/redis_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <map>
#include <optional>

namespace icg::cache {
namespace asio = boost::asio;

namespace {

// One server's pair of connections, as last reported.
struct Tracked {
    std::shared_ptr<redis::RedisClient> client;
    std::shared_ptr<redis::InvalidationListener> listener;
    std::optional<redis::ServerAddress> client_server;  // while the command connection is up
    std::optional<long long> listener_id;               // while the listener is subscribed
    std::optional<redis::ServerAddress> listener_server;
    bool confirmed = false;     // tracking is on for the connections as they are now
    std::uint64_t changes = 0;  // bumped by each change, so a late confirmation of an older state is void
};

}  // namespace

struct CacheTracking::State : std::enable_shared_from_this<CacheTracking::State> {
    State(asio::any_io_executor ex, std::vector<TrackedKeySpace> s)
        : executor(ex), strand(asio::make_strand(ex)), spaces(std::move(s)) {
        for (const auto& space : spaces) names += (names.empty() ? "" : ", ") + space.name;
    }

    asio::any_io_executor executor;
    asio::strand<asio::any_io_executor> strand;
    const std::vector<TrackedKeySpace> spaces;
    std::string names;  // "session, workspace"
    bool started = false;
    bool stopped = false;
    std::map<std::string, Tracked> servers;
    std::vector<std::uint64_t> epochs;  // from the last time the caches were turned off
    std::string last_problem;

    // Everything below runs on `strand`.

    void disable_all() {
        epochs.clear();
        for (const auto& space : spaces) epochs.push_back(space.cache.disable());
    }

    // On once every server is confirmed, and no cache was turned off since `epochs`.
    void enable_if_all_confirmed() {
        if (stopped || servers.empty()) return;
        for (const auto& [id, tracked] : servers)
            if (!tracked.confirmed) return;
        bool all = true;
        for (std::size_t i = 0; i < spaces.size(); ++i) all = spaces[i].cache.enable(epochs[i]) && all;
        if (all) report("cache on (" + names + ")", "info");
    }

    void invalidate(const std::string& key) const {
        for (const auto& space : spaces)
            if (key.starts_with(space.prefix)) space.cache.invalidate(key);
    }

    // Any change of one server's connections: the caches off and empty, that server's tracking
    // confirmed again on the connections as they are now, then on once every server is.
    void reconcile(const std::string& id) {
        // A late report from a server already removed (its client stopping) changes nothing: the
        // removal emptied the caches, and nothing of theirs comes from it any more.
        const auto found = servers.find(id);
        if (found == servers.end()) return;
        disable_all();
        Tracked& tracked = found->second;
        tracked.confirmed = false;
        const auto change = ++tracked.changes;
        if (stopped || !tracked.client_server || !tracked.listener_id) return;
        // Mid-failover one connection may reach the new master before the other: tracking
        // redirected to a listener on another server would report nothing (or another client's
        // keys, client ids being per server).
        if (tracked.client_server != tracked.listener_server) {
            report("cache off (" + names + "): the command connection (" + tracked.client_server->text() +
                       ") and the invalidation connection (" + tracked.listener_server->text() +
                       ") are on different servers",
                   "warn");
            return;
        }
        asio::co_spawn(strand, enable_tracking(shared_from_this(), id, change, *tracked.listener_id),
                       observability::StopProcessOnFailure("cache tracking"));
    }

    static asio::awaitable<void> enable_tracking(std::shared_ptr<State> self, std::string id, std::uint64_t change,
                                                 long long redirect) {
        const auto server = self->servers.find(id);
        if (server == self->servers.end()) co_return;
        const auto client = server->second.client;
        // Off first: tracking may already be on (with an older redirect), and Redis refuses to
        // register the same prefix twice.
        auto off_command = redis::command("CLIENT", "TRACKING", "off");
        auto result = co_await client->exec(std::move(off_command));
        if (result) {
            auto on_command = redis::command("CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(redirect), "BCAST");
            for (const auto& space : self->spaces) {
                on_command.emplace_back("PREFIX");
                on_command.push_back(space.prefix);
            }
            on_command.emplace_back("NOLOOP");
            result = co_await client->exec(std::move(on_command));
        }
        const auto found = self->servers.find(id);
        if (found == self->servers.end() || found->second.changes != change) co_return;  // moved on meanwhile
        if (!result || !result->is_status("OK")) {
            const std::string problem = result ? result->text : result.error().message();
            self->report("cache off (" + self->names + "): CLIENT TRACKING failed: " + problem, "warn");
            co_return;
        }
        found->second.confirmed = true;
        self->enable_if_all_confirmed();
    }

    void report(const std::string& text, const char* level) {
        if (stopped) return;  // connections closing because we stop are no news
        if (text == last_problem) return;
        last_problem = text;
        observability::log_event(level, text);
    }

    redis::InvalidationEvents listener_events(const std::string& id) {
        std::weak_ptr<State> weak = shared_from_this();
        auto on_strand = [weak](auto action) {
            if (auto state = weak.lock()) asio::post(state->strand, [state, action] { action(*state); });
        };
        redis::InvalidationEvents events;
        events.subscribed = [on_strand, id](long long listener, const redis::ServerAddress& server) {
            on_strand([id, listener, server](State& s) {
                if (auto found = s.servers.find(id); found != s.servers.end()) {
                    found->second.listener_id = listener;
                    found->second.listener_server = server;
                    s.reconcile(id);
                }
            });
        };
        events.lost = [on_strand, id] {
            on_strand([id](State& s) {
                const auto found = s.servers.find(id);
                if (found == s.servers.end()) return;
                s.report("cache off (" + s.names + "): the invalidation connection to Redis was lost", "warn");
                found->second.listener_id.reset();
                found->second.listener_server.reset();
                s.reconcile(id);
            });
        };
        // A flushed database: nothing cached is true any more, but tracking itself still stands.
        events.everything_invalidated = [on_strand] {
            on_strand([](State& s) {
                s.disable_all();
                s.enable_if_all_confirmed();
            });
        };
        // Keys arrive off the strand; the cache locks for itself, and order against a reconcile
        // does not matter because either one only ever removes entries.
        events.invalidated = [weak](std::vector<std::string> keys) {
            if (auto state = weak.lock())
                for (const auto& key : keys) state->invalidate(key);
        };
        return events;
    }
};

CacheTracking::CacheTracking(asio::any_io_executor executor, std::vector<TrackedKeySpace> spaces)
    : state_(std::make_shared<State>(executor, std::move(spaces))) {}

CacheTracking::~CacheTracking() {
    stop();
}

void CacheTracking::add_server(const std::string& id, std::shared_ptr<redis::RedisClient> client,
                               std::shared_ptr<const redis::RedisConnector> connector) {
    std::weak_ptr<State> weak = state_;
    client->on_connection_change([weak, id](const std::optional<redis::ServerAddress>& server) {
        auto state = weak.lock();
        if (!state) return;
        // Off at once, on the client's strand, so no read on a new connection is cached before
        // tracking covers it; the rest happens on our strand.
        if (!server)
            for (const auto& space : state->spaces) space.cache.disable();
        asio::post(state->strand, [state, id, server] {
            const auto found = state->servers.find(id);
            if (found == state->servers.end()) {
                // A server removed meanwhile (its client stopping): the caches it just turned off
                // come back on if every server still tracked is confirmed.
                state->disable_all();
                state->enable_if_all_confirmed();
                return;
            }
            if (!server) state->report("cache off (" + state->names + "): the connection to Redis was lost", "warn");
            found->second.client_server = server;
            state->reconcile(id);
        });
    });
    auto listener = std::make_shared<redis::InvalidationListener>(state_->executor, std::move(connector),
                                                                  state_->listener_events(id));
    asio::post(state_->strand, [state = state_, id, client = std::move(client), listener = std::move(listener)] {
        if (state->stopped) return;
        Tracked& tracked = state->servers[id];
        tracked.client = client;
        tracked.listener = std::move(listener);
        if (state->started) tracked.listener->start();
        state->reconcile(id);
    });
}

void CacheTracking::remove_server(const std::string& id) {
    asio::post(state_->strand, [state = state_, id] {
        const auto found = state->servers.find(id);
        if (found == state->servers.end()) return;
        found->second.listener->stop();
        state->servers.erase(found);
        // Its keys now live elsewhere: what the caches hold from before is dropped.
        state->disable_all();
        state->enable_if_all_confirmed();
    });
}

void CacheTracking::start() {
    asio::post(state_->strand, [state = state_] {
        state->started = true;
        for (auto& [id, tracked] : state->servers) tracked.listener->start();
    });
}

void CacheTracking::stop() {
    asio::post(state_->strand, [state = state_] {
        state->stopped = true;
        for (auto& [id, tracked] : state->servers) tracked.listener->stop();
        state->disable_all();
    });
}

}  // namespace icg::cache
