// intercom-gateway: reads the command line and the configuration, hands them to the composition
// root (app::GatewayApp), and runs the event loop, its threads and the signals.
#include "app/gateway_app.hpp"
#include "app/startup_checks.hpp"
#include "config/config_loader.hpp"
#include "core/process_hardening.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "crypto/digest.hpp"
#include "observability/access_log.hpp"
#include "observability/log_output.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* usage =
    "Usage: intercom-gateway [--config FILE] [--check-config]\n"
    "       intercom-gateway --new-service-key\n"
    "\n"
    "Holds Intercom OAuth tokens for a browser app: runs the login, keeps tokens encrypted in Redis\n"
    "and gives the browser only an HttpOnly session cookie.\n"
    "\n"
    "  --config FILE    TOML configuration (see conf/gateway.example.toml)\n"
    "  --check-config   check the configuration as start-up would (TLS pairs, CA files, every rule),\n"
    "                   print every key with its value and where it came from (secrets hidden),\n"
    "                   report every problem, and exit\n"
    "  --new-service-key\n"
    "                   print a fresh key for an internal service, and the key_sha256 line\n"
    "                   for its [[internal.services]] entry\n"
    "  --help           this text\n"
    "  --version        the version\n"
    "\n"
    "Every key can be set by GATEWAY_<SECTION>_<KEY> (e.g. GATEWAY_INTERCOM_CLIENT_ID); secrets also by\n"
    "GATEWAY_<SECTION>_<KEY>_FILE naming a file that holds the value.\n"
    "\n"
    "Signals: SIGHUP reloads the configuration, its _FILE secrets and certificates (refused whole if\n"
    "anything is wrong); SIGTERM drains (server.drain_delay, server.shutdown_timeout) and exits 0.\n";

// 256 bits from the CSPRNG, base64url: the key goes to the service, only its hash to the config.
void print_new_service_key() {
    icg::core::SystemRandom random;
    const icg::core::Secret key(random.token(32));
    std::cout << "key (give it to the service; it is shown once and stored nowhere):\n  " << key.expose()
              << "\n\nconfiguration line for its [[internal.services]] entry:\n  key_sha256 = \""
              << icg::crypto::sha256_hex(key.expose()) << "\"\n";
}

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
        if (arg == "--new-service-key") {
            print_new_service_key();
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--check-config") {
            options.check_only = true;
        } else if (arg == "--config" || arg.starts_with("--config=")) {
            options.config_file = arg == "--config" ? (i + 1 < argc ? argv[++i] : "") : arg.substr(9);
            if (options.config_file.empty() || options.config_file.starts_with("--")) {
                std::cerr << "intercom-gateway: --config needs a file path (--config FILE)\n";
                exit_code = 2;
                return std::nullopt;
            }
        } else {
            std::cerr << "intercom-gateway: unknown argument '" << arg << "' (try --help)\n";
            exit_code = 2;
            return std::nullopt;
        }
    }
    return options;
}

// Every error on its own line; a count when there are several.
void print_errors(const std::vector<std::string>& errors) {
    for (const auto& error : errors) std::cerr << "intercom-gateway: " << error << "\n";
    if (errors.size() > 1) std::cerr << "intercom-gateway: " << errors.size() << " problems in the configuration\n";
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// SIGHUP: the file, the _FILE secrets and the certificates are read again and checked as at
// start-up; a configuration with any problem is refused whole and the running one stays.
void reload_configuration(icg::app::GatewayApp& gateway, const Options& options,
                          const icg::config::Environment& environment) {
    using icg::observability::log_event;
    if (gateway.draining()) return log_event("warn", "SIGHUP ignored: the gateway is draining");
    auto check = icg::config::check_config(options.config_file, environment);
    auto errors = check.errors;
    for (auto& problem : icg::app::check_startup(check.config, check.keys_with_errors))
        errors.push_back(std::move(problem));
    if (!errors.empty())
        return log_event("error", "reload refused, the running configuration stays: " + errors.front() +
                                      (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) +
                                                               " more; --check-config lists them all)"
                                                         : std::string()));
    try {
        const auto kept = gateway.reload(check.config);
        log_event("info", "configuration reloaded from " +
                              (options.config_file.empty() ? std::string("the environment") : options.config_file));
        if (!kept.empty())
            log_event("warn", "restart needed for " + joined(kept) + ": their running values stay until then");
    } catch (const std::exception& e) {
        log_event("error", std::string("reload refused, the running configuration stays: ") + e.what());
    }
}

int run(const icg::config::GatewayConfig& config, const Options& options, const icg::config::Environment& environment) {
    using namespace icg;
    const unsigned threads =
        config.server.threads ? config.server.threads : std::max(1u, std::thread::hardware_concurrency());
    boost::asio::io_context io(static_cast<int>(threads));

    app::GatewayApp gateway(io, config, threads);
    const auto port = gateway.listen();
    const auto internal_port = gateway.listen_internal();
    const auto admin_port = gateway.listen_admin();
    gateway.start();

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer shutdown_deadline(io);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        // Readiness turns 503 first: whoever reads this line may rely on it.
        gateway.drain(config.server.drain_delay, [&io] { io.stop(); });
        observability::log_event("info", std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                                             "; serving new connections for server.drain_delay, then finishing "
                                             "requests in flight");
        // Requests still running once server.shutdown_timeout has passed too are cut: the process
        // ends at once, as an orchestrator's SIGKILL would end it a little later.
        shutdown_deadline.expires_after(config.server.drain_delay + config.server.shutdown_timeout);
        shutdown_deadline.async_wait([&](const boost::system::error_code& timer_ec) {
            if (timer_ec) return;
            observability::log_event("warn", "server.shutdown_timeout passed with " +
                                                 std::to_string(gateway.requests_in_flight()) +
                                                 " requests in flight; they are cut");
            observability::standard_output().flush();
            std::fflush(stdout);
            std::fflush(stderr);
            std::_Exit(0);
        });
    });
    // One reload at a time, in the order the signals came; the next is awaited once one is done.
    boost::asio::signal_set reloads(io, SIGHUP);
    std::function<void()> await_reload = [&] {
        reloads.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            reload_configuration(gateway, options, environment);
            await_reload();
        });
    };
    await_reload();

    observability::log_event("info", "listening on " + config.server.listen.host + ":" + std::to_string(port) +
                                         " with " + std::to_string(threads) + " threads, at most " +
                                         std::to_string(gateway.max_client_connections()) +
                                         " client connections; public URL " + config.server.public_url +
                                         (config.server.tls ? "" : "; plain HTTP behind a proxy that terminates TLS"));
    if (!config.server.tls)
        observability::log_event("warn", "server.tls is false: requests and session cookies cross " +
                                             config.server.listen.host + ":" + std::to_string(port) +
                                             " unencrypted; only the TLS-terminating proxy may reach it");
    if (internal_port)
        observability::log_event(
            "info",
            "internal listener on " + config.internal.listen->host + ":" + std::to_string(*internal_port) +
                (config.internal.tls
                     ? (config.internal.client_ca_file.empty() ? " (TLS)" : " (TLS, client certificates required)")
                     : " (plain HTTP, loopback only)") +
                " for " + std::to_string(config.internal.services.size()) + " services");
    if (admin_port)
        observability::log_event("info", "admin listener on " + config.admin.listen->host + ":" +
                                             std::to_string(*admin_port) +
                                             " (plain HTTP: /metrics, /healthz, /readyz)");
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

// --check-config: everything start-up does short of listening, with every problem reported.
int check_configuration(const std::string& config_file, const icg::config::Environment& environment) {
    auto check = icg::config::check_config(config_file, environment);
    icg::config::wipe_secret_environment();
    auto errors = check.errors;
    for (auto& problem : icg::app::check_startup(check.config, check.keys_with_errors))
        errors.push_back(std::move(problem));
    std::cout << icg::config::describe(check) << std::flush;
    if (!errors.empty()) {
        print_errors(errors);
        return 1;
    }
    std::cout << "configuration OK\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto options = parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    // Before any secret is read: no core dumps, no ptrace by other processes of the same user.
    if (!icg::core::make_process_undumpable())
        std::cerr << "intercom-gateway: warning: could not mark the process non-dumpable\n";
    auto environment = icg::config::process_environment();
    if (options->check_only) return check_configuration(options->config_file, environment);
    try {
        auto check = icg::config::check_config(options->config_file, environment);
        // Gone from the process's environment; `environment` keeps them for reloads, as the
        // configuration itself holds them.
        icg::config::wipe_secret_environment();
        if (!check.errors.empty()) {
            print_errors(check.errors);
            return 1;
        }
        return run(check.config, *options, environment);
    } catch (const std::exception& e) {
        std::cerr << "intercom-gateway: " << e.what() << "\n";
        return 1;
    }
}
