#pragma once
// The gateway's settings, copied out of the config file and environment into plain validated values.
#include "core/secret.hpp"
#include "crypto/session_cipher.hpp"
#include "proxy/allow_list.hpp"
#include "proxy/service_policy.hpp"
#include "redis/redis_url.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace icg::config {

using proxy::AllowList;

struct HostPort {
    std::string host;
    std::uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
};

// An https origin with an optional base path, taken apart once at load.
struct HttpsOrigin {
    std::string host;  // as in the URL; an IP literal without brackets
    std::string port = "443";
    std::string host_header;  // host[:port] as the Host field carries it
    std::string path;         // the base path, usually empty; no trailing slash
};

struct ServerSettings {
    HostPort listen{"0.0.0.0", 8443};
    std::string public_url;  // scheme://host[:port], no trailing slash
    std::string static_dir;  // empty: no static files
    unsigned threads = 0;    // 0: one per core
    std::chrono::milliseconds read_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};
    // Client connections open at once; 0: as many as the descriptor limit leaves room for.
    std::size_t max_connections = 0;
    std::chrono::milliseconds handshake_timeout{10'000};  // silent connections get a fifth of it
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_auth_body_bytes = 16 * 1024;
    bool access_log = true;
    // SIGTERM: readiness turns 503 at once, and new connections are still served this long (while
    // endpoints and load balancers stop sending); then requests in flight get shutdown_timeout.
    std::chrono::milliseconds drain_delay{5'000};
    std::chrono::milliseconds shutdown_timeout{20'000};
    // false: the public listener speaks plain HTTP, for a gateway behind an ingress or load
    // balancer that terminates TLS; allowed only with behind_tls_proxy. public_url stays https
    // and cookies stay Secure, since the browser talks HTTPS to the proxy.
    bool tls = true;
    bool behind_tls_proxy = false;
};

struct TlsSettings {
    std::string cert_file;
    std::string key_file;
    std::string min_version = "1.2";
};

struct RedisSettings {
    core::Secret url;               // may carry a password
    redis::RedisEndpoint endpoint;  // the url, parsed
    std::chrono::milliseconds connect_timeout{1'000};
    std::chrono::milliseconds command_timeout{500};
    std::string key_prefix = "icg:";
    // rediss:// only: an extra CA for the server's certificate, and a client certificate for
    // servers that require one (tls-auth-clients yes).
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    // Redis Sentinel: the master is whichever these name for master_name (redis.url then gives
    // only the user, password and database).
    std::vector<HostPort> sentinels;
    std::string master_name;
    core::Secret sentinel_password;
    // Redis Cluster: nodes asked for the slot map at first (redis.url then gives only the user
    // and password).
    std::vector<HostPort> cluster_nodes;
    // A new session or workspace connection counts as stored once this many replicas hold it
    // (WAIT), within replica_ack_timeout; else the login fails with 503.
    int min_replicas_ack = 0;
    std::chrono::milliseconds replica_ack_timeout{500};
};

struct IntercomSettings {
    std::string client_id;
    core::Secret client_secret;
    std::string authorize_url = "https://app.intercom.com/oauth";
    std::string token_url = "https://api.intercom.io/auth/eagle/token";
    std::string api_base = "https://api.intercom.io";
    HttpsOrigin api;      // api_base, parsed
    std::string ca_file;  // extra CA trusted for upstream TLS, besides the system store
    std::chrono::milliseconds timeout{10'000};
    std::string api_version = "2.14";  // Intercom-Version sent when the client sends none; empty: none
    // Workspaces (app.id_code) that may log in; empty: any. For a company running the gateway for
    // its own workspaces only.
    std::vector<std::string> allowed_workspaces;
};

struct ProxySettings {
    std::vector<std::string> allow;  // "METHOD /path" rules; empty: every API path is allowed
    AllowList allow_list;            // the rules, parsed
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds handshake_timeout{5'000};
    std::chrono::milliseconds response_timeout{30'000};
    std::chrono::milliseconds idle_body_timeout{30'000};
    std::size_t pool_size = 64;
    // 64 calls in flight outrun Intercom's rate limit (10,000 a minute per app) unless each takes
    // over 380 ms; each connection holds some 30 KiB.
    std::size_t max_connections = 64;
    std::chrono::milliseconds pool_idle_timeout{30'000};
    // Calls of one browser session in flight at once; more wait briefly, then get 429.
    std::size_t max_in_flight_per_session = 8;
};

struct SessionSettings {
    // The key ring, decoded: the first seals, every one opens. session.encryption_key alone is a
    // ring of one key named "default".
    std::vector<crypto::SealingKey> encryption_keys;
    std::chrono::seconds idle_timeout{8 * 3600};
    std::chrono::seconds absolute_timeout{7 * 24 * 3600};
    std::string cookie_name = "__Host-icg-session";
    std::chrono::seconds login_timeout{600};
    // Logins started within login_timeout, per browser and per client address; more get 429.
    std::size_t max_pending_logins_per_browser = 10;
    std::size_t max_pending_logins_per_address = 100;
    // In-process session cache kept correct by Redis client-side caching (invalidations).
    bool cache = true;
    std::chrono::milliseconds cache_ttl{30'000};  // an entry is re-read from Redis after this
    std::size_t cache_max_entries = 100'000;
};

// The event log (start-up, reloads, failures); the access log is server.access_log.
struct LogSettings {
    std::string level = "info";  // the floor: debug, info, warn or error
};

using ServiceSettings = proxy::ServicePolicy;

// The listener for internal services; off while `listen` is unset.
struct InternalSettings {
    std::optional<HostPort> listen;
    bool tls = true;             // false: plain HTTP, accepted only on a loopback address
    std::string client_ca_file;  // set: a client certificate signed by this CA is required
    std::vector<ServiceSettings> services;
};

// The operators' listener: /metrics, /healthz and /readyz over plain HTTP; off when unset.
struct AdminSettings {
    std::optional<HostPort> listen = HostPort{"127.0.0.1", 9090};
};

struct GatewayConfig {
    ServerSettings server;
    TlsSettings tls;
    RedisSettings redis;
    IntercomSettings intercom;
    ProxySettings proxy;
    SessionSettings session;
    LogSettings log;
    InternalSettings internal;
    AdminSettings admin;
};

}  // namespace icg::config
