#pragma once
// A real redis-sentinel on 127.0.0.1 watching one master, started from a config file in the
// test's directory (Sentinel rewrites it as it learns), stopped by PID.
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace icg::testing {

struct SentinelWatch {
    std::string master_name;
    std::uint16_t master_port = 0;
    int quorum = 2;
    // How long the master may be silent before it counts as down; the failover follows.
    std::chrono::milliseconds down_after{1000};
    // The sentinels' own password (requirepass, and sentinel-pass among themselves); empty: none.
    std::string password{};
    // TLS on a port of its own beside the plain one (which the test's probes use), with the test
    // certificate; and TLS to the servers it watches (tls-replication), whose TLS port
    // master_port then is.
    bool tls = false;
};

class RedisSentinel {
public:
    RedisSentinel(const TempDir& dir, const SentinelWatch& watch);
    ~RedisSentinel();

    std::uint16_t port() const noexcept { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    std::uint16_t tls_port() const noexcept { return tls_port_; }  // 0 without SentinelWatch::tls
    Process& process() { return *process_; }

    // What SENTINEL MASTER says: the other sentinels and the replicas it knows of.
    int other_sentinels();
    int replicas();
    // The port of the master it names now (nullopt when it names none).
    std::optional<std::uint16_t> master_port();

private:
    RedisValue ask(const std::vector<std::string>& command);

    const SentinelWatch watch_;
    std::uint16_t port_;
    std::uint16_t tls_port_ = 0;
    std::unique_ptr<Process> process_;
};

}  // namespace icg::testing
