// mock-intercom: reads the flags, wires the TLS server to MockIntercom, serves until SIGTERM/SIGINT.
#include "mock_intercom.hpp"
#include "mock_options.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "observability/access_log.hpp"
#include "server/http_server.hpp"
#include "server/tls_server_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <openssl/ssl.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {
using namespace icg;

// How long in-flight requests may finish after a stop signal; a "slow" mode request would take 30 s.
constexpr auto kDrainGrace = std::chrono::seconds(2);

constexpr int kExitBadArguments = 2;
constexpr int kExitFailure = 1;

void fail_line(const char* what) {
    std::fprintf(stderr, "mock-intercom: %s\n", what);
}

std::string printable_address(const std::string& host, std::uint16_t port) {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void run_threads(boost::asio::io_context& io, unsigned count) {
    std::vector<std::thread> extra;
    for (unsigned i = 1; i < count; ++i) extra.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& thread : extra) thread.join();
}

int serve(const mock::MockOptions& options) {
    std::shared_ptr<boost::asio::ssl::context> tls;
    try {
        tls = server::make_tls_server_context(options.cert_file, options.key_file, "1.2");
    } catch (const std::exception& e) {
        fail_line(("--cert/--key: " + std::string(e.what())).c_str());
        return kExitBadArguments;  // the files were named on the command line
    }
    core::SystemRandom random;
    core::SystemClock clock;
    mock::MockIntercom intercom(options.intercom, random, clock);
    // OpenSSL counts the handshakes each context has begun: one per accepted connection, so
    // tests can see whether the gateway reuses its upstream connections.
    intercom.count_connections_with(
        [tls] { return static_cast<std::uint64_t>(SSL_CTX_sess_accept(tls->native_handle())); },
        [tls] { return static_cast<std::uint64_t>(SSL_CTX_sess_hits(tls->native_handle())); });
    boost::asio::io_context io(static_cast<int>(options.threads));
    server::HttpServer server(io, tls, intercom, server::ServerLimits{});
    const auto port = server.listen(options.host, options.port);

    // Installed before the "listening" line, so a test that signals right after reading it is handled.
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer grace(io);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        observability::log_event("info", "mock-intercom stopping");
        server.drain({}, [&io] { io.stop(); });
        grace.expires_after(kDrainGrace);
        grace.async_wait([&io](const boost::system::error_code&) { io.stop(); });
    });

    server.start();
    // Scripts wait for this exact line and read the port from it.
    std::printf("mock-intercom listening on %s\n", printable_address(options.host, port).c_str());
    std::fflush(stdout);
    run_threads(io, options.threads);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // A test harness that stops reading our stdout must not kill us mid-request.
    std::signal(SIGPIPE, SIG_IGN);
    const std::vector<const char*> args(argv + 1, argv + argc);
    std::optional<mock::MockOptions> options;
    try {
        options = mock::parse_mock_options(args, std::getenv("MOCK_INTERCOM_CLIENT_SECRET"));
    } catch (const std::exception& e) {
        fail_line(e.what());
        return kExitBadArguments;
    }
    if (!options) {
        std::fputs(std::string(mock::mock_usage()).c_str(), stdout);
        return 0;
    }
    try {
        return serve(*options);
    } catch (const std::exception& e) {
        fail_line(e.what());
        return kExitFailure;
    }
}
