// intercom-gateway: loads the configuration, wires the modules together and runs the event loop.
#include "app/gateway_handler.hpp"
#include "app/static_files.hpp"
#include "auth/auth_routes.hpp"
#include "config/config_loader.hpp"
#include "core/clock.hpp"
#include "core/drain_signal.hpp"
#include "core/random.hpp"
#include "crypto/session_cipher.hpp"
#include "observability/access_log.hpp"
#include "proxy/browser_caller_resolver.hpp"
#include "proxy/proxy_handler.hpp"
#include "redis/redis_client.hpp"
#include "server/https_server.hpp"
#include "server/tls_server_context.hpp"
#include "session/cached_session_store.hpp"
#include "session/redis_login_state_store.hpp"
#include "session/redis_login_throttle.hpp"
#include "session/redis_session_store.hpp"
#include "session/session_cache.hpp"
#include "session/session_cache_tracking.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/https_client.hpp"
#include "upstream/intercom_oauth_client.hpp"
#include "upstream/pooled_upstream_client.hpp"
#include "upstream/tls_client_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* usage =
    "Usage: intercom-gateway [--config FILE] [--check-config]\n"
    "\n"
    "Holds Intercom OAuth tokens for a browser app: runs the login, keeps tokens encrypted in Redis\n"
    "and gives the browser only an HttpOnly session cookie.\n"
    "\n"
    "  --config FILE    TOML configuration (see conf/gateway.example.toml)\n"
    "  --check-config   validate the configuration, print it with secrets hidden, and exit\n"
    "  --help           this text\n"
    "  --version        the version\n"
    "\n"
    "Every key can be set by GATEWAY_<SECTION>_<KEY> (e.g. GATEWAY_INTERCOM_CLIENT_ID); secrets also by\n"
    "GATEWAY_<SECTION>_<KEY>_FILE naming a file that holds the value.\n";

struct Options {
    std::string config_file;
    bool check_only = false;
};

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--version") {
            std::cout << "intercom-gateway " << ICG_VERSION << "\n";
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--check-config") {
            options.check_only = true;
        } else if (arg == "--config" && i + 1 < argc) {
            options.config_file = argv[++i];
        } else if (arg.starts_with("--config=")) {
            options.config_file = arg.substr(9);
        } else {
            std::cerr << "intercom-gateway: unknown argument '" << arg << "' (try --help)\n";
            exit_code = 2;
            return std::nullopt;
        }
    }
    return options;
}

// Descriptors a process needs besides client connections: upstream and Redis connections, files,
// the listener, logs.
constexpr std::size_t reserved_descriptors = 256;

// The client connection cap: the configured one, or what the descriptor limit (raised to its hard
// maximum first) leaves room for. A configured cap the limit cannot hold stops start-up.
std::size_t client_connection_cap(const icg::config::GatewayConfig& config) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    const std::size_t needed_besides = reserved_descriptors + config.proxy.max_connections;
    const std::size_t descriptors = limit.rlim_cur == RLIM_INFINITY ? 1'000'000 : limit.rlim_cur;
    const std::size_t room = descriptors > needed_besides ? descriptors - needed_besides : 0;
    if (config.server.max_connections == 0) {
        if (room < 16)
            throw std::runtime_error("server.max_connections: the descriptor limit (" + std::to_string(descriptors) +
                                     ", ulimit -n) leaves no room for client connections");
        return std::min<std::size_t>(room, 10'000);
    }
    if (config.server.max_connections > room)
        throw std::runtime_error("server.max_connections: " + std::to_string(config.server.max_connections) +
                                 " connections need more descriptors than the limit of " +
                                 std::to_string(descriptors) + " (ulimit -n) leaves room for (" +
                                 std::to_string(room) + ")");
    return config.server.max_connections;
}

int run(const icg::config::GatewayConfig& config) {
    using namespace icg;
    const unsigned threads =
        config.server.threads ? config.server.threads : std::max(1u, std::thread::hardware_concurrency());
    boost::asio::io_context io(static_cast<int>(threads));

    core::SystemRandom random;
    core::SystemClock clock;
    core::DrainSignal drain;
    const std::size_t max_client_connections = client_connection_cap(config);
    crypto::SessionCipher cipher(config.session.encryption_key);

    std::string redis_error;
    auto redis_endpoint = redis::parse_redis_url(config.redis.url.expose(), &redis_error);
    const redis::RedisOptions redis_options{.connect_timeout = config.redis.connect_timeout,
                                            .command_timeout = config.redis.command_timeout};
    redis::RedisClient redis_client(io.get_executor(), *redis_endpoint, redis_options);
    session::RedisSessionStore redis_sessions(redis_client, cipher, random, clock, config.redis.key_prefix,
                                              config.session.idle_timeout);
    // The hot path reads sessions from memory; Redis tells every gateway when one changes.
    // Entries are re-read (which slides the idle timeout in Redis) at least every tenth of the idle
    // timeout, so a session in use never expires early by more than that.
    const auto cache_ttl =
        std::min<std::chrono::milliseconds>(config.session.cache_ttl, config.session.idle_timeout / 10);
    session::SessionCache session_cache(cache_ttl, config.session.cache_max_entries);
    session::CachedSessionStore cached_sessions(redis_sessions, session_cache);
    std::optional<session::SessionCacheTracking> cache_tracking;
    if (config.session.cache)
        cache_tracking.emplace(io.get_executor(), redis_client, *redis_endpoint, redis_options, session_cache,
                               redis_sessions.key_space());
    session::SessionStore& sessions =
        config.session.cache ? static_cast<session::SessionStore&>(cached_sessions) : redis_sessions;
    session::RedisLoginStateStore logins(redis_client, cipher, random, config.redis.key_prefix);
    session::RedisLoginThrottle login_throttle(redis_client, config.redis.key_prefix,
                                               {.per_browser = config.session.max_pending_logins_per_browser,
                                                .per_address = config.session.max_pending_logins_per_address,
                                                .window = config.session.login_timeout});

    auto upstream_tls = upstream::make_tls_client_context(config.intercom.ca_file);
    upstream::HttpsClient https(io.get_executor(), upstream_tls, config.intercom.timeout);
    upstream::HttpIntercomOAuthClient intercom(https, {.token_url = config.intercom.token_url,
                                                       .api_base = config.intercom.api_base,
                                                       .client_id = config.intercom.client_id,
                                                       .client_secret = config.intercom.client_secret});
    auth::AuthRoutes auth_routes({.public_url = config.server.public_url,
                                  .authorize_url = config.intercom.authorize_url,
                                  .client_id = config.intercom.client_id,
                                  .session_cookie = config.session.cookie_name,
                                  .login_timeout = config.session.login_timeout,
                                  .absolute_timeout = config.session.absolute_timeout},
                                 logins, login_throttle, sessions, intercom, random, clock);

    // The API origin, parsed once; the config loader has checked it is an https URL.
    const auto api_base = boost::urls::parse_absolute_uri(config.intercom.api_base).value();
    upstream::ConnectionPool upstream_pool(io.get_executor(), upstream_tls,
                                           {.host = api_base.host_address(),
                                            .port = api_base.has_port() ? std::string(api_base.port()) : "443",
                                            .max_idle = config.proxy.pool_size,
                                            .max_connections = config.proxy.max_connections,
                                            .idle_timeout = config.proxy.pool_idle_timeout,
                                            .connect_timeout = config.proxy.connect_timeout,
                                            .handshake_timeout = config.proxy.handshake_timeout});
    upstream::PooledUpstreamClient upstream_client(upstream_pool);
    proxy::BrowserCallerResolver browser_callers({.public_url = config.server.public_url,
                                                  .session_cookie = config.session.cookie_name,
                                                  .allow = *proxy::AllowList::parse(config.proxy.allow, nullptr)},
                                                 sessions);
    proxy::ProxyHandler proxy_handler(
        {.upstream_host = std::string(api_base.has_port() ? api_base.encoded_host_and_port() : api_base.encoded_host()),
         .upstream_path = std::string(api_base.encoded_path()),
         .api_version = config.intercom.api_version,
         .response_timeout = config.proxy.response_timeout,
         .idle_body_timeout = config.proxy.idle_body_timeout,
         .max_in_flight_per_caller = config.proxy.max_in_flight_per_session},
        browser_callers, upstream_client, random);

    std::optional<app::StaticFiles> static_files;
    if (!config.server.static_dir.empty()) static_files.emplace(config.server.static_dir);
    app::GatewayHandler handler(auth_routes, proxy_handler, redis_client, static_files ? &*static_files : nullptr,
                                config.server.max_auth_body_bytes, drain);

    auto tls = server::make_tls_server_context(config.tls.cert_file, config.tls.key_file, config.tls.min_version);
    server::HttpsServer server(io, tls, handler,
                               {.max_connections = max_client_connections,
                                .handshake_timeout = config.server.handshake_timeout,
                                .max_handshakes_in_progress = 64 * std::size_t{threads},
                                .read_timeout = config.server.read_timeout,
                                .idle_timeout = config.server.idle_timeout,
                                .max_header_bytes = config.server.max_header_bytes,
                                .access_log = config.server.access_log,
                                .one_thread = threads == 1});
    const auto port = server.listen(config.server.listen.host, config.server.listen.port);
    if (cache_tracking) cache_tracking->start();
    redis_client.start();
    server.start();

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        observability::log_event("info", std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                                             "; finishing in-flight requests");
        drain.begin();
        server.drain([&] {
            if (cache_tracking) cache_tracking->stop();
            redis_client.stop();
            io.stop();
        });
    });

    observability::log_event("info", "listening on " + config.server.listen.host + ":" + std::to_string(port) +
                                         " with " + std::to_string(threads) + " threads, at most " +
                                         std::to_string(max_client_connections) + " client connections; public URL " +
                                         config.server.public_url);
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : workers) t.join();
    // io.stop() may have come before the Redis clients' own stop handlers ran. Run what is ready
    // now, so commands still waiting fail and let go of the coroutines that wait for them;
    // otherwise a command and its waiter would keep each other alive past the end.
    io.restart();
    io.poll();
    observability::log_event("info", "stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto options = parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    // No core dumps and no ptrace by other processes of the same user: this memory holds tokens.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    try {
        auto config = icg::config::load_config(options->config_file, icg::config::process_environment());
        icg::config::wipe_secret_environment();
        if (options->check_only) {
            std::cout << icg::config::describe(config) << "configuration OK\n";
            return 0;
        }
        return run(config);
    } catch (const std::exception& e) {
        std::cerr << "intercom-gateway: " << e.what() << "\n";
        return 1;
    }
}
