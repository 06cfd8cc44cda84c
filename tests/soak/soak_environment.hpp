#pragma once
// The system under soak, all on loopback: a redis-server with append-only persistence, the mock
// Intercom and the gateway, configured with short upstream deadlines so faults resolve quickly.
#include "support/certificates.hpp"
#include "support/gateway.hpp"
#include "support/mock_intercom.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace icg::soak {

// The gateway settings the soak relies on, also printed in the report.
struct SoakGatewayLimits {
    // A stalled upstream is a 504 after this. Short, so a stall is felt within the window, but not
    // 2 s: "sent" means handed to the kernel, and a mock busy under ASan on a shared machine was
    // seen taking 2.8 s just to read a 1 MiB upload that had long left the gateway.
    static constexpr const char* response_timeout = "5s";
    static constexpr const char* idle_body_timeout = "10s";
    static constexpr const char* connect_timeout = "2s";
    static constexpr const char* pool_idle_timeout = "10s";  // short, so the pool turns over during the run
    static constexpr int pool_size = 64;
    static constexpr int max_upstream_connections = 64;  // proxy.max_connections
    static constexpr int cache_max_entries = 64;
    static constexpr const char* redis_command_timeout = "2s";
    static constexpr const char* client_idle_timeout = "15s";
};

class SoakEnvironment {
public:
    SoakEnvironment();
    ~SoakEnvironment();
    SoakEnvironment(const SoakEnvironment&) = delete;
    SoakEnvironment& operator=(const SoakEnvironment&) = delete;

    testing::Gateway& gateway() { return *gateway_; }
    testing::MockIntercom& mock() { return *mock_; }
    testing::RedisServer& redis() { return *redis_; }
    const testing::Certificates& certificates() const { return certificates_; }
    const testing::TempDir& dir() const { return dir_; }
    std::uint16_t gateway_port() const { return gateway_->port(); }
    std::string key_prefix() const { return "icg:"; }

    // Polls GET /readyz (bounded) until it answers 200.
    bool wait_until_ready(std::chrono::milliseconds timeout);
    // SIGTERM and wait; the gateway's exit status (under ASan, leaks make it non-zero).
    testing::ExitStatus stop_gateway();
    // Copies the peers' logs into `into` (created if needed).
    void copy_logs(const std::filesystem::path& into) const;

private:
    testing::TempDir dir_;
    const testing::Certificates& certificates_;
    std::unique_ptr<testing::RedisServer> redis_;
    std::unique_ptr<testing::MockIntercom> mock_;
    std::unique_ptr<testing::Gateway> gateway_;
};

}  // namespace icg::soak
