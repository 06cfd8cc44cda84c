#include "soak_environment.hpp"

#include "support/eventually.hpp"
#include "support/ports.hpp"
#include "support/test_client.hpp"

#include <cstdlib>
#include <stdexcept>

namespace icg::soak {
namespace {

testing::GatewaySettings soak_settings(std::uint16_t port, const testing::Certificates& certificates,
                                       const testing::RedisServer& redis, const testing::MockIntercom& mock) {
    testing::GatewayPeers peers;
    peers.port = port;
    peers.certificates = &certificates;
    peers.redis_url = redis.url();
    peers.authorize_url = mock.authorize_url();
    peers.token_url = mock.token_url();
    peers.api_base = mock.api_base();
    peers.client_id = testing::MockIntercom::client_id;
    peers.client_secret = testing::MockIntercom::client_secret;
    auto s = testing::default_gateway_settings(peers);
    using Limits = SoakGatewayLimits;
    s.set("proxy", "response_timeout", Limits::response_timeout);
    s.set("proxy", "idle_body_timeout", Limits::idle_body_timeout);
    s.set("proxy", "connect_timeout", Limits::connect_timeout);
    s.set("proxy", "handshake_timeout", Limits::connect_timeout);
    s.set("proxy", "pool_idle_timeout", Limits::pool_idle_timeout);
    s.set_integer("proxy", "pool_size", Limits::pool_size);
    s.set_integer("proxy", "max_connections", Limits::max_upstream_connections);
    // Redis fsyncs every write before answering (append-only, "always"): on a disk shared with
    // builds that was seen to pass the test default of 300 ms, and a command timeout is a 503.
    s.set("redis", "command_timeout", Limits::redis_command_timeout);
    // Keep-alive client connections idle this long are closed (the soak's own are never idle for
    // so long); it also ends any connection a restarted Redis inherited (see fault_injector.cpp).
    s.set("server", "idle_timeout", Limits::client_idle_timeout);
    // Every login comes from 127.0.0.1: the per-address limit would stop the login loop at 100.
    s.set_integer("session", "max_pending_logins_per_address", 1'000'000);
    // The session cache keeps an entry until it is full (expired ones go only then), so with a new
    // session every fraction of a second it grows for 100,000 logins by design. A bound a little
    // above the 48 sessions the API loops share makes it reach its plateau (and evict) within the
    // warm-up, so growth after that is a leak, not the cache filling.
    s.set_integer("session", "cache_max_entries", Limits::cache_max_entries);
    return s;
}

// ASan's quarantine of freed blocks (256 MiB by default) fills for minutes and would read as a
// climbing RSS; 1 MiB keeps use-after-free detection for recent frees and lets RSS show the heap.
testing::Environment sanitizer_environment() {
    const char* inherited = std::getenv("ASAN_OPTIONS");
    std::string options = inherited && *inherited ? std::string(inherited) + ":" : std::string();
    return {{"ASAN_OPTIONS", options + "quarantine_size_mb=1"}};
}

}  // namespace

SoakEnvironment::SoakEnvironment() : certificates_(testing::test_certificates()) {
    redis_ = std::make_unique<testing::RedisServer>(dir_, 0, testing::RedisPersistence::append_only);
    mock_ = std::make_unique<testing::MockIntercom>(dir_, certificates_);
    for (int attempt = 1;; ++attempt) {
        try {
            gateway_ = std::make_unique<testing::Gateway>(
                dir_, soak_settings(testing::free_port(), certificates_, *redis_, *mock_), sanitizer_environment());
            break;
        } catch (const std::runtime_error& e) {
            // Another process took the port between free_port() and the gateway's bind: pick another.
            if (attempt >= 3 || std::string_view(e.what()).find("cannot listen") == std::string_view::npos) throw;
        }
    }
    if (!wait_until_ready(std::chrono::seconds(20)))
        throw std::runtime_error("the gateway did not become ready:\n" + gateway_->process().output());
}

SoakEnvironment::~SoakEnvironment() {
    // Clients first: the gateway, then the mock, then Redis; each stopped by its PID.
    gateway_.reset();
    mock_.reset();
    redis_.reset();
}

bool SoakEnvironment::wait_until_ready(std::chrono::milliseconds timeout) {
    return testing::eventually(
        [&] {
            try {
                testing::HttpsConnection connection(gateway_->port(), certificates_.ca_file, std::chrono::seconds(2));
                return connection.request("GET", "/readyz").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout, std::chrono::milliseconds(100));
}

testing::ExitStatus SoakEnvironment::stop_gateway() {
    return gateway_->stop(std::chrono::seconds(20));
}

void SoakEnvironment::copy_logs(const std::filesystem::path& into) const {
    std::filesystem::create_directories(into);
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
        if (entry.path().extension() != ".log") continue;
        std::filesystem::copy_file(entry.path(), into / entry.path().filename(),
                                   std::filesystem::copy_options::overwrite_existing);
    }
}

}  // namespace icg::soak
