#include "app/reload_plan.hpp"

namespace icg::app {
namespace {

// Keeps the running value of one setting (named `key`) when the new one differs, and notes it.
class Holder {
public:
    Holder(const config::GatewayConfig& running, config::GatewayConfig& next, std::vector<std::string>& names)
        : running_(running), next_(next), names_(names) {}

    template <typename Get>
    void hold(const char* key, Get get) {
        const auto& before = get(running_);
        auto& after = get(next_);
        if (after == before) return;
        after = before;
        names_.emplace_back(key);
    }

private:
    const config::GatewayConfig& running_;
    config::GatewayConfig& next_;
    std::vector<std::string>& names_;
};

#define ICG_FIELD(path)    \
    [](auto& c) -> auto& { \
        return c.path;     \
    }

}  // namespace

ReloadPlan plan_reload(const config::GatewayConfig& running, config::GatewayConfig next) {
    ReloadPlan plan;
    Holder h(running, next, plan.restart_needed);
    // Listeners and threads are opened once.
    h.hold("server.listen", ICG_FIELD(server.listen));
    h.hold("server.threads", ICG_FIELD(server.threads));
    h.hold("server.max_connections", ICG_FIELD(server.max_connections));
    h.hold("server.tls", ICG_FIELD(server.tls));
    // Read when SIGTERM comes, by the process's own copy of the start-up configuration.
    h.hold("server.drain_delay", ICG_FIELD(server.drain_delay));
    h.hold("server.shutdown_timeout", ICG_FIELD(server.shutdown_timeout));
    h.hold("server.behind_tls_proxy", ICG_FIELD(server.behind_tls_proxy));
    h.hold("internal.listen", ICG_FIELD(internal.listen));
    h.hold("internal.tls", ICG_FIELD(internal.tls));
    h.hold("admin.listen", ICG_FIELD(admin.listen));
    // The Redis connections, and the key names every record lives under.
    h.hold("redis.url", ICG_FIELD(redis.url));
    next.redis.endpoint = running.redis.endpoint;  // the url, parsed
    h.hold("redis.connect_timeout", ICG_FIELD(redis.connect_timeout));
    h.hold("redis.command_timeout", ICG_FIELD(redis.command_timeout));
    h.hold("redis.key_prefix", ICG_FIELD(redis.key_prefix));
    h.hold("redis.ca_file", ICG_FIELD(redis.ca_file));
    h.hold("redis.cert_file", ICG_FIELD(redis.cert_file));
    h.hold("redis.key_file", ICG_FIELD(redis.key_file));
    h.hold("redis.sentinels", ICG_FIELD(redis.sentinels));
    h.hold("redis.cluster_nodes", ICG_FIELD(redis.cluster_nodes));
    h.hold("redis.master_name", ICG_FIELD(redis.master_name));
    h.hold("redis.sentinel_password", ICG_FIELD(redis.sentinel_password));
    h.hold("redis.min_replicas_ack", ICG_FIELD(redis.min_replicas_ack));
    h.hold("redis.replica_ack_timeout", ICG_FIELD(redis.replica_ack_timeout));
    // The Intercom app (its id goes with its secret) and the connections to its API.
    h.hold("intercom.client_id", ICG_FIELD(intercom.client_id));
    h.hold("intercom.client_secret", ICG_FIELD(intercom.client_secret));
    h.hold("intercom.token_url", ICG_FIELD(intercom.token_url));
    h.hold("intercom.api_base", ICG_FIELD(intercom.api_base));
    next.intercom.api = running.intercom.api;  // api_base, parsed
    h.hold("intercom.ca_file", ICG_FIELD(intercom.ca_file));
    h.hold("intercom.timeout", ICG_FIELD(intercom.timeout));
    h.hold("proxy.connect_timeout", ICG_FIELD(proxy.connect_timeout));
    h.hold("proxy.handshake_timeout", ICG_FIELD(proxy.handshake_timeout));
    h.hold("proxy.pool_size", ICG_FIELD(proxy.pool_size));
    h.hold("proxy.max_connections", ICG_FIELD(proxy.max_connections));
    h.hold("proxy.pool_idle_timeout", ICG_FIELD(proxy.pool_idle_timeout));
    // The session store and the caches.
    h.hold("session.idle_timeout", ICG_FIELD(session.idle_timeout));
    h.hold("session.cache", ICG_FIELD(session.cache));
    h.hold("session.cache_ttl", ICG_FIELD(session.cache_ttl));
    h.hold("session.cache_max_entries", ICG_FIELD(session.cache_max_entries));
    // A kept pool bound must still hold the per-session bound the new file asks for.
    if (next.proxy.max_in_flight_per_session > next.proxy.max_connections)
        next.proxy.max_in_flight_per_session = next.proxy.max_connections;
    plan.config = std::move(next);
    return plan;
}

#undef ICG_FIELD

}  // namespace icg::app
