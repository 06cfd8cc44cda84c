#include "app/gateway_app.hpp"

#include "app/gateway_handler.hpp"
#include "app/health_routes.hpp"
#include "app/internal_handler.hpp"
#include "app/startup_checks.hpp"
#include "app/unopened_record_log.hpp"
#include "app/static_files.hpp"
#include "app/workspace_admin_routes.hpp"
#include "auth/auth_routes.hpp"
#include "auth/uninstall_notices.hpp"
#include "cache/cache_tracking.hpp"
#include "config/gateway_config.hpp"
#include "core/clock.hpp"
#include "core/drain_signal.hpp"
#include "core/random.hpp"
#include "crypto/session_cipher.hpp"
#include "proxy/browser_caller_resolver.hpp"
#include "proxy/proxy_handler.hpp"
#include "proxy/service_caller_resolver.hpp"
#include "proxy/service_directory.hpp"
#include "proxy/workspace_rate_limits.hpp"
#include "redis/redis_client.hpp"
#include "server/https_server.hpp"
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
#include "upstream/tls_client_context.hpp"
#include "workspace/cached_workspace_store.hpp"
#include "workspace/redis_workspace_store.hpp"
#include "workspace/workspace_revocation.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>

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

redis::RedisOptions redis_options(const config::GatewayConfig& c) {
    return {.connect_timeout = c.redis.connect_timeout, .command_timeout = c.redis.command_timeout};
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

}  // namespace

// The listener for internal services, when configured: its own routes and resolver over the
// gateway's stores, upstream pool and revocation.
struct InternalListener {
    InternalListener(boost::asio::io_context& io, const config::GatewayConfig& c, std::size_t max_connections,
                     unsigned threads, workspace::WorkspaceStore& connections,
                     workspace::WorkspaceRevocation& revocation, upstream::UpstreamClient& upstream,
                     proxy::WorkspaceRateLimits& rate_limits, core::Random& random, HealthRoutes& health)
        : listen(*c.internal.listen),
          services(c.internal.services),
          callers(services, connections, revocation),
          proxy(proxy_settings(c), callers, upstream, rate_limits, random),
          workspaces(services, connections, revocation),
          handler(proxy, workspaces, health),
          server(io,
                 c.internal.tls ? server::make_tls_server_context(c.tls.cert_file, c.tls.key_file, c.tls.min_version,
                                                                  c.internal.client_ca_file)
                                : nullptr,
                 handler, server_limits(c, max_connections, threads)) {}

    config::HostPort listen;
    proxy::ServiceDirectory services;
    proxy::ServiceCallerResolver callers;
    proxy::ProxyHandler proxy;
    WorkspaceAdminRoutes workspaces;
    InternalHandler handler;
    server::HttpsServer server;
};

// Members in dependency order: each is built from the ones above it, and destroyed before them.
struct GatewayApp::Parts {
    Parts(boost::asio::io_context& io_, const config::GatewayConfig& c, unsigned threads)
        : io(io_),
          listen(c.server.listen),
          max_client_connections(client_connection_cap(c)),
          connection_caps(split_connection_cap(max_client_connections, c.internal.listen.has_value())),
          unopened_records(clock),
          cipher(c.session.encryption_keys, &unopened_records),
          redis_client(io.get_executor(), c.redis.endpoint, redis_options(c)),
          redis_sessions(redis_client, cipher, random, clock, c.redis.key_prefix, c.session.idle_timeout),
          // The hot path reads sessions from memory; Redis tells every gateway when one changes.
          session_cache(session_cache_ttl(c), c.session.cache_max_entries),
          cached_sessions(redis_sessions, session_cache),
          sessions(c.session.cache ? static_cast<session::SessionStore&>(cached_sessions) : redis_sessions),
          redis_workspaces(io.get_executor(), redis_client, cipher, random, clock, c.redis.key_prefix),
          workspace_cache(session_cache_ttl(c), workspace_cache_entries),
          cached_workspaces(redis_workspaces, workspace_cache),
          connections(c.session.cache ? static_cast<workspace::WorkspaceStore&>(cached_workspaces) : redis_workspaces),
          logins(redis_client, cipher, random, c.redis.key_prefix),
          login_throttle(redis_client, c.redis.key_prefix,
                         {.per_browser = c.session.max_pending_logins_per_browser,
                          .per_address = c.session.max_pending_logins_per_address,
                          .window = c.session.login_timeout}),
          upstream_tls(upstream::make_tls_client_context(c.intercom.ca_file)),
          https(io.get_executor(), upstream_tls, c.intercom.timeout),
          intercom(https, {.token_url = c.intercom.token_url,
                           .api_base = c.intercom.api_base,
                           .client_id = c.intercom.client_id,
                           .client_secret = c.intercom.client_secret}),
          revocation(sessions, connections, intercom),
          auth_routes({.public_url = c.server.public_url,
                       .authorize_url = c.intercom.authorize_url,
                       .api_base = c.intercom.api_base,
                       .client_id = c.intercom.client_id,
                       .session_cookie = c.session.cookie_name,
                       .login_timeout = c.session.login_timeout,
                       .absolute_timeout = c.session.absolute_timeout,
                       .allowed_workspaces = c.intercom.allowed_workspaces},
                      logins, login_throttle, sessions, connections, revocation, intercom, random, clock),
          upstream_pool(io.get_executor(), upstream_tls,
                        {.host = c.intercom.api.host,
                         .port = c.intercom.api.port,
                         .max_idle = c.proxy.pool_size,
                         .max_connections = c.proxy.max_connections,
                         .idle_timeout = c.proxy.pool_idle_timeout,
                         .connect_timeout = c.proxy.connect_timeout,
                         .handshake_timeout = c.proxy.handshake_timeout}),
          upstream_client(upstream_pool),
          browser_callers(
              {.public_url = c.server.public_url, .session_cookie = c.session.cookie_name, .allow = c.proxy.allow_list},
              sessions, revocation),
          rate_limits(clock),
          proxy_handler(proxy_settings(c), browser_callers, upstream_client, rate_limits, random),
          static_files(c.server.static_dir.empty() ? std::nullopt
                                                   : std::optional<StaticFiles>(std::in_place, c.server.static_dir)),
          health(redis_client, drain),
          uninstall_notices(io.get_executor(), connections, intercom, revocation, clock),
          handler(auth_routes, uninstall_notices, proxy_handler, health, static_files ? &*static_files : nullptr,
                  c.server.max_auth_body_bytes),
          server(io, server::make_tls_server_context(c.tls.cert_file, c.tls.key_file, c.tls.min_version), handler,
                 server_limits(c, connection_caps.public_listener, threads)) {
        if (c.internal.listen)
            internal.emplace(io, c, connection_caps.internal_listener, threads, connections, revocation,
                             upstream_client, rate_limits, random, health);
        if (c.session.cache)
            cache_tracking.emplace(
                io.get_executor(), redis_client, c.redis.endpoint, redis_options(c),
                std::vector<cache::TrackedKeySpace>{{"session", redis_sessions.key_space(), session_cache},
                                                    {"workspace", redis_workspaces.key_space(), workspace_cache}});
    }

    boost::asio::io_context& io;
    config::HostPort listen;
    std::size_t max_client_connections;
    ConnectionCaps connection_caps;
    core::SystemRandom random;
    core::SystemClock clock;
    core::DrainSignal drain;
    UnopenedRecordLog unopened_records;
    crypto::SessionCipher cipher;
    redis::RedisClient redis_client;
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
    auth::AuthRoutes auth_routes;
    upstream::ConnectionPool upstream_pool;
    upstream::PooledUpstreamClient upstream_client;
    proxy::BrowserCallerResolver browser_callers;
    proxy::WorkspaceRateLimits rate_limits;
    proxy::ProxyHandler proxy_handler;
    std::optional<StaticFiles> static_files;
    HealthRoutes health;
    auth::UninstallNotices uninstall_notices;
    GatewayHandler handler;
    server::HttpsServer server;
    std::optional<InternalListener> internal;
};

GatewayApp::GatewayApp(boost::asio::io_context& io, const config::GatewayConfig& config, unsigned threads)
    : parts_(std::make_unique<Parts>(io, config, threads)) {}

GatewayApp::~GatewayApp() = default;

std::uint16_t GatewayApp::listen() {
    return parts_->server.listen(parts_->listen.host, parts_->listen.port);
}

std::optional<std::uint16_t> GatewayApp::listen_internal() {
    auto& internal = parts_->internal;
    if (!internal) return std::nullopt;
    return internal->server.listen(internal->listen.host, internal->listen.port);
}

void GatewayApp::start() {
    if (parts_->cache_tracking) parts_->cache_tracking->start();
    parts_->redis_client.start();
    parts_->upstream_pool.start_idle_sweep();
    parts_->server.start();
    if (parts_->internal) parts_->internal->server.start();
}

void GatewayApp::drain(std::function<void()> stopped) {
    parts_->drain.begin();
    // Redis stops once both listeners have no request in flight.
    auto listeners_left = std::make_shared<std::atomic<int>>(parts_->internal ? 2 : 1);
    auto one_drained = [this, listeners_left, stopped = std::move(stopped)] {
        if (--*listeners_left > 0) return;
        if (parts_->cache_tracking) parts_->cache_tracking->stop();
        parts_->upstream_pool.stop_idle_sweep();
        parts_->redis_client.stop();
        stopped();
    };
    parts_->server.drain(one_drained);
    if (parts_->internal) parts_->internal->server.drain(one_drained);
}

std::size_t GatewayApp::max_client_connections() const noexcept {
    return parts_->max_client_connections;
}

}  // namespace icg::app
