#include "app/gateway_app.hpp"

#include "app/admin_handler.hpp"
#include "app/gateway_handler.hpp"
#include "app/health_routes.hpp"
#include "app/internal_handler.hpp"
#include "app/redis_setup.hpp"
#include "app/reload_plan.hpp"
#include "app/startup_checks.hpp"
#include "app/static_files.hpp"
#include "app/unopened_record_log.hpp"
#include "app/workspace_admin_routes.hpp"
#include "auth/auth_routes.hpp"
#include "auth/uninstall_notices.hpp"
#include "cache/cache_tracking.hpp"
#include "config/gateway_config.hpp"
#include "core/clock.hpp"
#include "core/drain_signal.hpp"
#include "core/random.hpp"
#include "crypto/session_cipher.hpp"
#include "net/tls_client_context.hpp"
#include "observability/access_log.hpp"
#include "observability/gateway_metrics.hpp"
#include "observability/log_output.hpp"
#include "proxy/browser_caller_resolver.hpp"
#include "proxy/proxy_handler.hpp"
#include "proxy/service_caller_resolver.hpp"
#include "proxy/service_directory.hpp"
#include "proxy/workspace_rate_limits.hpp"
#include "redis/durable_writes.hpp"
#include "redis/redis_client.hpp"
#include "server/http_server.hpp"
#include "server/tls_server_context.hpp"
#include "session/cached_session_store.hpp"
#include "session/redis_login_state_store.hpp"
#include "session/redis_login_throttle.hpp"
#include "session/redis_session_store.hpp"
#include "session/session_cache.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/https_client.hpp"
#include "upstream/intercom_oauth_client.hpp"
#include "upstream/pooled_upstream_client.hpp"
#include "workspace/cached_workspace_store.hpp"
#include "workspace/redis_workspace_store.hpp"
#include "workspace/workspace_revocation.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace icg::app {
namespace {

// The client connections both listeners share: with the internal listener on, it takes a quarter
// (services are few and keep their connections) and the public one the rest, so together they
// never hold more descriptors than the cap was computed for.
struct ConnectionCaps {
    std::size_t public_listener;
    std::size_t internal_listener;
};

ConnectionCaps split_connection_cap(std::size_t cap, bool internal) {
    if (!internal) return {cap, 0};
    const std::size_t for_internal = std::max<std::size_t>(cap / 4, 1);
    return {std::max<std::size_t>(cap - for_internal, 1), for_internal};
}

// Entries are re-read (which slides the idle timeout in Redis) at least every tenth of the idle
// timeout, so a session in use never expires early by more than that.
std::chrono::milliseconds session_cache_ttl(const config::GatewayConfig& c) {
    return std::min<std::chrono::milliseconds>(c.session.cache_ttl, c.session.idle_timeout / 10);
}

// Connections of more workspaces than this are read from Redis when not cached.
constexpr std::size_t workspace_cache_entries = 10'000;

proxy::ProxySettings proxy_settings(const config::GatewayConfig& c) {
    return {.upstream_host = c.intercom.api.host_header,
            .upstream_path = c.intercom.api.path,
            .api_version = c.intercom.api_version,
            .response_timeout = c.proxy.response_timeout,
            .idle_body_timeout = c.proxy.idle_body_timeout,
            .max_in_flight_per_caller = c.proxy.max_in_flight_per_session};
}

session::LoginThrottleLimits login_limits(const config::GatewayConfig& c) {
    return {.per_browser = c.session.max_pending_logins_per_browser,
            .per_address = c.session.max_pending_logins_per_address,
            .window = c.session.login_timeout};
}

server::ServerLimits server_limits(const config::GatewayConfig& c, std::size_t max_connections, unsigned threads) {
    return {.max_connections = max_connections,
            .handshake_timeout = c.server.handshake_timeout,
            .max_handshakes_in_progress = 64 * std::size_t{threads},
            .read_timeout = c.server.read_timeout,
            .idle_timeout = c.server.idle_timeout,
            .max_header_bytes = c.server.max_header_bytes,
            .access_log = c.server.access_log,
            .one_thread = threads == 1};
}

// The admin listener serves a few operators' tools: a small cap, no access log (a scrape every
// few seconds and the probes would drown the requests that matter).
server::ServerLimits admin_limits(unsigned threads) {
    return {.max_connections = 64,
            .handshake_timeout = std::chrono::seconds(10),
            .max_handshakes_in_progress = 1,
            .read_timeout = std::chrono::seconds(10),
            .idle_timeout = std::chrono::seconds(60),
            .max_header_bytes = 8 * 1024,
            .access_log = false,
            .one_thread = threads == 1};
}

}  // namespace

// Everything a request is served with that a reload may change, built whole from one
// configuration and swapped in at once. A request keeps the Policy it began with (the servers ask
// for a handler once per request), so a reload never serves one request half-old, half-new, and a
// long download ends on the configuration it started on.
struct Policy {
    // The internal listener's routes and resolver, over the same stores, pool and revocation.
    struct Internal {
        Internal(const config::GatewayConfig& c, GatewayApp::Parts& parts);
        proxy::ServiceDirectory services;
        proxy::ServiceCallerResolver callers;
        proxy::ProxyHandler proxy;
        WorkspaceAdminRoutes workspaces;
        InternalHandler handler;
    };

    Policy(config::GatewayConfig c, GatewayApp::Parts& parts);

    const config::GatewayConfig config;  // first: what follows is built from it
    std::optional<StaticFiles> static_files;
    auth::AuthRoutes auth_routes;
    proxy::BrowserCallerResolver browser_callers;
    // Its per-session bound on calls in flight starts afresh with each Policy: for the moment
    // both run, a session may have calls in flight under the old one and the new one.
    proxy::ProxyHandler proxy_handler;
    GatewayHandler handler;
    std::optional<Internal> internal;
};

// The Policy in force; each listener's requests take their handler from it.
class PolicyHolder {
public:
    std::shared_ptr<Policy> current() const {
        const std::lock_guard lock(mutex_);
        return policy_;
    }
    void replace(std::shared_ptr<Policy> next) {
        const std::lock_guard lock(mutex_);
        policy_ = std::move(next);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<Policy> policy_;
};

namespace {

// One listener's handler within the Policy in force; what it gives keeps that whole Policy alive
// for the request.
class PolicyHandlers final : public server::HandlerSource {
public:
    using Pick = server::Handler& (*)(Policy&);
    PolicyHandlers(const PolicyHolder& policies, Pick pick) : policies_(policies), pick_(pick) {}
    std::shared_ptr<server::Handler> current() const override {
        auto policy = policies_.current();
        server::Handler& handler = pick_(*policy);
        return {std::move(policy), &handler};
    }

private:
    const PolicyHolder& policies_;
    Pick pick_;
};

// Null (plain HTTP) behind a proxy that terminates TLS.
std::shared_ptr<boost::asio::ssl::context> public_tls(const config::GatewayConfig& c) {
    if (!c.server.tls) return nullptr;
    return server::make_tls_server_context(c.tls.cert_file, c.tls.key_file, c.tls.min_version);
}

std::shared_ptr<boost::asio::ssl::context> internal_tls(const config::GatewayConfig& c) {
    if (!c.internal.listen || !c.internal.tls) return nullptr;
    return server::make_tls_server_context(c.tls.cert_file, c.tls.key_file, c.tls.min_version,
                                           c.internal.client_ca_file);
}

}  // namespace

// What lives as long as the process: listeners, Redis, stores and caches, the upstream pool,
// Intercom's client, the rate limits. Members in dependency order: each is built from the ones
// above it, and destroyed before them.
struct GatewayApp::Parts {
    Parts(boost::asio::io_context& io_, const config::GatewayConfig& c, unsigned threads_)
        : io(io_),
          threads(threads_),
          listen(c.server.listen),
          internal_listen(c.internal.listen),
          admin_listen(c.admin.listen),
          max_client_connections(client_connection_cap(c)),
          connection_caps(split_connection_cap(max_client_connections, c.internal.listen.has_value())),
          unopened_records(clock),
          cipher(c.session.encryption_keys, &unopened_records),
          redis_connections(io.get_executor(), c.redis, metrics),
          redis_client(redis_connections.commands()),
          durable_writes(redis_connections.durable_commands(), c.redis.min_replicas_ack, c.redis.replica_ack_timeout),
          redis_sessions(redis_client, durable_writes, cipher, random, clock, c.redis.key_prefix,
                         c.session.idle_timeout),
          // The hot path reads sessions from memory; Redis tells every gateway when one changes.
          session_cache(session_cache_ttl(c), c.session.cache_max_entries, metrics.cache("session")),
          cached_sessions(redis_sessions, session_cache),
          sessions(c.session.cache ? static_cast<session::SessionStore&>(cached_sessions) : redis_sessions),
          redis_workspaces(io.get_executor(), redis_client, durable_writes, cipher, random, clock, c.redis.key_prefix),
          workspace_cache(session_cache_ttl(c), workspace_cache_entries, metrics.cache("workspace")),
          cached_workspaces(redis_workspaces, workspace_cache),
          connections(c.session.cache ? static_cast<workspace::WorkspaceStore&>(cached_workspaces) : redis_workspaces),
          logins(redis_client, cipher, random, c.redis.key_prefix),
          login_throttle(redis_client, c.redis.key_prefix, login_limits(c)),
          upstream_tls(net::make_tls_client_context({.ca_file = c.intercom.ca_file, .section = "intercom"})),
          https(io.get_executor(), upstream_tls, c.intercom.timeout),
          intercom(https, {.token_url = c.intercom.token_url,
                           .api_base = c.intercom.api_base,
                           .client_id = c.intercom.client_id,
                           .client_secret = c.intercom.client_secret}),
          revocation(sessions, connections, intercom, metrics),
          upstream_pool(io.get_executor(), upstream_tls,
                        {.host = c.intercom.api.host,
                         .port = c.intercom.api.port,
                         .max_idle = c.proxy.pool_size,
                         .max_connections = c.proxy.max_connections,
                         .idle_timeout = c.proxy.pool_idle_timeout,
                         .connect_timeout = c.proxy.connect_timeout,
                         .handshake_timeout = c.proxy.handshake_timeout}),
          upstream_client(upstream_pool),
          rate_limits(clock),
          health(redis_client, drain),
          uninstall_notices(io.get_executor(), connections, intercom, revocation, clock),
          public_handlers(policies, [](Policy& p) -> server::Handler& { return p.handler; }),
          internal_handlers(policies, [](Policy& p) -> server::Handler& { return p.internal->handler; }),
          server(io, public_tls(c), public_handlers, server_limits(c, connection_caps.public_listener, threads),
                 metrics),
          admin_handler(metrics, health) {
        observability::set_event_log_floor(c.log.level);
        policies.replace(std::make_shared<Policy>(c, *this));
        if (c.internal.listen)
            internal_server.emplace(io, internal_tls(c), internal_handlers,
                                    server_limits(c, connection_caps.internal_listener, threads), metrics);
        if (c.admin.listen) admin_server.emplace(io, nullptr, admin_handler, admin_limits(threads), metrics);
        if (c.session.cache) {
            cache_tracking.emplace(
                io.get_executor(),
                std::vector<cache::TrackedKeySpace>{{"session", redis_sessions.key_space(), session_cache},
                                                    {"workspace", redis_workspaces.key_space(), workspace_cache}});
            redis_connections.track_caches(*cache_tracking);
        }
        add_sampled_metrics();
    }

    // What the units keep themselves, read when scraped.
    void add_sampled_metrics();

    boost::asio::io_context& io;
    unsigned threads;
    config::HostPort listen;
    std::optional<config::HostPort> internal_listen;
    std::optional<config::HostPort> admin_listen;
    std::size_t max_client_connections;
    ConnectionCaps connection_caps;
    core::SystemRandom random;
    core::SystemClock clock;
    core::DrainSignal drain;
    observability::GatewayMetrics metrics;  // before every unit that reports to it
    UnopenedRecordLog unopened_records;
    crypto::SessionCipher cipher;
    RedisConnections redis_connections;
    redis::Commands& redis_client;
    // With redis.min_replicas_ack, new sessions and workspace connections are written on
    // connections of their own, so that their WAIT never holds up redis_client's commands.
    redis::DurableWrites durable_writes;
    session::RedisSessionStore redis_sessions;
    session::SessionCache session_cache;
    session::CachedSessionStore cached_sessions;
    session::SessionStore& sessions;
    workspace::RedisWorkspaceStore redis_workspaces;
    workspace::WorkspaceCache workspace_cache;
    workspace::CachedWorkspaceStore cached_workspaces;
    workspace::WorkspaceStore& connections;
    std::optional<cache::CacheTracking> cache_tracking;  // after the caches it drives
    session::RedisLoginStateStore logins;
    session::RedisLoginThrottle login_throttle;
    std::shared_ptr<boost::asio::ssl::context> upstream_tls;
    upstream::HttpsClient https;
    upstream::HttpIntercomOAuthClient intercom;
    workspace::WorkspaceRevocation revocation;
    upstream::ConnectionPool upstream_pool;
    upstream::PooledUpstreamClient upstream_client;
    proxy::WorkspaceRateLimits rate_limits;
    HealthRoutes health;
    auth::UninstallNotices uninstall_notices;
    PolicyHolder policies;
    PolicyHandlers public_handlers;
    PolicyHandlers internal_handlers;
    server::HttpServer server;
    std::optional<server::HttpServer> internal_server;
    AdminHandler admin_handler;
    std::optional<server::HttpServer> admin_server;  // last: its scrapes read everything above
    boost::asio::steady_timer drain_timer{io};
    // Access lines go out in batches (observability/log_output.hpp); this flushes a batch that
    // has waited its delay when no further line came to carry it out.
    boost::asio::steady_timer log_flush_timer{io};
    void flush_logs_periodically();
    std::mutex reload_mutex;  // one reload at a time
};

void GatewayApp::Parts::add_sampled_metrics() {
    using Kind = observability::GatewayMetrics::Kind;
    auto listener = [&](const char* name, const server::HttpServer& s) {
        const observability::GatewayMetrics::Labels labels{{"listener", name}};
        metrics.add_sampled("intercom_gateway_client_connections", "Client connections open.", Kind::gauge, labels,
                            [&s] { return double(s.stats().open_connections); });
        metrics.add_sampled("intercom_gateway_client_connections_refused_total",
                            "Client connections closed at once: over the connection cap.", Kind::counter, labels,
                            [&s] { return double(s.stats().refused_connections); });
        metrics.add_sampled("intercom_gateway_tls_handshakes_in_progress", "TLS handshakes under way.", Kind::gauge,
                            labels, [&s] { return double(s.stats().handshakes_in_progress); });
        metrics.add_sampled("intercom_gateway_tls_handshakes_waiting", "New connections waiting for a handshake place.",
                            Kind::gauge, labels, [&s] { return double(s.stats().handshakes_waiting); });
        metrics.add_sampled("intercom_gateway_requests_in_flight", "Requests being served.", Kind::gauge, labels,
                            [&s] { return double(s.stats().requests_in_flight); });
    };
    listener("public", server);
    if (internal_server) listener("internal", *internal_server);

    const auto pool = [this](std::size_t upstream::PoolStats::*field) {
        return [this, field] { return double(upstream_pool.stats().*field); };
    };
    metrics.add_sampled("intercom_gateway_upstream_pool_connections", "Connections to Intercom's API, open.",
                        Kind::gauge, {{"state", "open"}}, pool(&upstream::PoolStats::open));
    metrics.add_sampled("intercom_gateway_upstream_pool_connections", "Connections to Intercom's API, open.",
                        Kind::gauge, {{"state", "idle"}}, pool(&upstream::PoolStats::idle));
    metrics.add_sampled("intercom_gateway_upstream_pool_waiting", "Calls waiting for a connection to Intercom.",
                        Kind::gauge, {}, pool(&upstream::PoolStats::waiting));
    metrics.add_sampled("intercom_gateway_upstream_connections_opened_total",
                        "Connections to Intercom opened (each a TLS handshake).", Kind::counter, {},
                        [this] { return double(upstream_pool.stats().connections_opened); });

    const bool cache_configured = cache_tracking.has_value();
    auto cache = [&](const char* name, const auto& c) {
        const observability::GatewayMetrics::Labels labels{{"cache", name}};
        metrics.add_sampled("intercom_gateway_cache_entries", "Records held in memory.", Kind::gauge, labels,
                            [&c] { return double(c.size()); });
        metrics.add_sampled("intercom_gateway_cache_enabled",
                            "1 while the cache is used: configured, and Redis's invalidations are flowing.",
                            Kind::gauge, labels,
                            [&c, cache_configured] { return cache_configured && c.enabled() ? 1.0 : 0.0; });
    };
    cache("session", session_cache);
    cache("workspace", workspace_cache);

    metrics.add_sampled("intercom_gateway_redis_connected", "1 while the command connection to Redis is up.",
                        Kind::gauge, {}, [this] { return redis_client.connected() ? 1.0 : 0.0; });
    metrics.add_sampled("intercom_gateway_draining", "1 once SIGTERM came: readiness answers 503.", Kind::gauge, {},
                        [this] { return drain.draining() ? 1.0 : 0.0; });
}

Policy::Internal::Internal(const config::GatewayConfig& c, GatewayApp::Parts& parts)
    : services(c.internal.services),
      callers(services, parts.connections, parts.revocation),
      proxy(proxy_settings(c), callers, parts.upstream_client, parts.rate_limits, parts.random, parts.metrics),
      workspaces(services, parts.connections, parts.revocation),
      handler(proxy, workspaces, parts.health) {}

Policy::Policy(config::GatewayConfig c, GatewayApp::Parts& parts)
    : config(std::move(c)),
      static_files(config.server.static_dir.empty()
                       ? std::nullopt
                       : std::optional<StaticFiles>(std::in_place, config.server.static_dir)),
      auth_routes({.public_url = config.server.public_url,
                   .authorize_url = config.intercom.authorize_url,
                   .api_base = config.intercom.api_base,
                   .client_id = config.intercom.client_id,
                   .session_cookie = config.session.cookie_name,
                   .login_timeout = config.session.login_timeout,
                   .absolute_timeout = config.session.absolute_timeout,
                   .allowed_workspaces = config.intercom.allowed_workspaces},
                  parts.logins, parts.login_throttle, parts.sessions, parts.connections, parts.revocation,
                  parts.intercom, parts.random, parts.clock, parts.metrics),
      browser_callers({.public_url = config.server.public_url,
                       .session_cookie = config.session.cookie_name,
                       .allow = config.proxy.allow_list},
                      parts.sessions, parts.revocation),
      proxy_handler(proxy_settings(config), browser_callers, parts.upstream_client, parts.rate_limits, parts.random,
                    parts.metrics),
      handler(auth_routes, parts.uninstall_notices, proxy_handler, parts.health,
              static_files ? &*static_files : nullptr, config.server.max_auth_body_bytes) {
    if (config.internal.listen) internal.emplace(config, parts);
}

GatewayApp::GatewayApp(boost::asio::io_context& io, const config::GatewayConfig& config, unsigned threads)
    : parts_(std::make_unique<Parts>(io, config, threads)) {}

GatewayApp::~GatewayApp() = default;

std::uint16_t GatewayApp::listen() {
    return parts_->server.listen(parts_->listen.host, parts_->listen.port);
}

std::optional<std::uint16_t> GatewayApp::listen_internal() {
    if (!parts_->internal_server) return std::nullopt;
    return parts_->internal_server->listen(parts_->internal_listen->host, parts_->internal_listen->port);
}

std::optional<std::uint16_t> GatewayApp::listen_admin() {
    if (!parts_->admin_server) return std::nullopt;
    return parts_->admin_server->listen(parts_->admin_listen->host, parts_->admin_listen->port);
}

void GatewayApp::Parts::flush_logs_periodically() {
    log_flush_timer.expires_after(observability::standard_output().max_delay());
    log_flush_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        observability::standard_output().flush();
        flush_logs_periodically();
    });
}

void GatewayApp::start() {
    observability::standard_output().set_batching(true);
    parts_->flush_logs_periodically();
    if (parts_->cache_tracking) parts_->cache_tracking->start();
    parts_->redis_connections.start();
    parts_->upstream_pool.start_idle_sweep();
    parts_->server.start();
    if (parts_->internal_server) parts_->internal_server->start();
    if (parts_->admin_server) parts_->admin_server->start();
}

std::vector<std::string> GatewayApp::reload(const config::GatewayConfig& next) {
    auto& p = *parts_;
    const std::lock_guard lock(p.reload_mutex);
    auto plan = plan_reload(p.policies.current()->config, next);
    const auto& c = plan.config;
    // Everything is built before anything is swapped: a certificate that does not load, or a
    // static folder gone, leaves the running configuration whole.
    auto public_context = public_tls(c);
    auto internal_context = internal_tls(c);
    auto policy = std::make_shared<Policy>(c, p);
    p.cipher.replace_keys(c.session.encryption_keys);
    p.login_throttle.set_limits(login_limits(c));
    p.server.reconfigure(std::move(public_context), server_limits(c, p.connection_caps.public_listener, p.threads));
    if (p.internal_server)
        p.internal_server->reconfigure(std::move(internal_context),
                                       server_limits(c, p.connection_caps.internal_listener, p.threads));
    p.policies.replace(std::move(policy));
    observability::set_event_log_floor(c.log.level);
    return std::move(plan.restart_needed);
}

void GatewayApp::drain(std::chrono::milliseconds delay, std::function<void()> stopped) {
    auto& p = *parts_;
    p.drain.begin();  // readiness answers 503 from now on, on every listener and connection
    p.server.announce_drain();
    if (p.internal_server) p.internal_server->announce_drain();
    // The admin listener keeps serving scrapes and probes to the end, but its kept-alive
    // connections are told to close too, like every other connection.
    if (p.admin_server) p.admin_server->announce_drain();
    // New connections are still served for `delay`, while endpoints and load balancers catch up;
    // then no more are accepted, and Redis stops once both listeners have no request in flight.
    p.drain_timer.expires_after(delay);
    p.drain_timer.async_wait([this, stopped = std::move(stopped)](const boost::system::error_code& ec) mutable {
        if (ec) return;
        auto& p = *parts_;
        // Said once both listeners have closed their acceptors, so that whoever reads the line
        // may rely on it.
        auto listeners_open = std::make_shared<std::atomic<int>>(p.internal_server ? 2 : 1);
        auto one_closed = [this, listeners_open] {
            if (--*listeners_open > 0) return;
            observability::log_event("info", "drain delay over: no new connections are accepted; " +
                                                 std::to_string(requests_in_flight()) + " requests in flight");
        };
        auto listeners_left = std::make_shared<std::atomic<int>>(p.internal_server ? 2 : 1);
        auto one_drained = [this, listeners_left, stopped = std::move(stopped)] {
            if (--*listeners_left > 0) return;
            if (parts_->cache_tracking) parts_->cache_tracking->stop();
            parts_->upstream_pool.stop_idle_sweep();
            parts_->redis_connections.stop();
            parts_->log_flush_timer.cancel();
            observability::standard_output().set_batching(false);  // writes what is batched
            stopped();
        };
        p.server.drain(one_closed, one_drained);
        if (p.internal_server) p.internal_server->drain(one_closed, one_drained);
    });
}

std::size_t GatewayApp::requests_in_flight() const noexcept {
    return parts_->server.requests_in_flight() +
           (parts_->internal_server ? parts_->internal_server->requests_in_flight() : 0);
}

bool GatewayApp::draining() const noexcept {
    return parts_->drain.draining();
}

std::size_t GatewayApp::max_client_connections() const noexcept {
    return parts_->max_client_connections;
}

}  // namespace icg::app
