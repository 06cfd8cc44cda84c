#pragma once
// A real Redis Cluster on 127.0.0.1 for one test: six redis-servers (three primaries, three
// replicas) joined by `redis-cli --cluster create`, each in a folder of its own, stopped by PID.
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace icg::testing {

class RedisCluster {
public:
    // `node_timeout`: cluster-node-timeout, after which an unreachable primary is failed over.
    explicit RedisCluster(std::chrono::milliseconds node_timeout = std::chrono::milliseconds(500));

    std::vector<std::uint16_t> ports() const;
    // "127.0.0.1:port" of every node, as redis.cluster_nodes takes them.
    std::vector<std::string> addresses() const;
    // The ports of the nodes that are primaries now (asked of the nodes themselves).
    std::vector<std::uint16_t> primaries();
    // The node on `port`, to kill or restart.
    RedisServer& node(std::uint16_t port);
    // Whether every live node reports cluster_state:ok and agrees on three primaries.
    bool healthy();

private:
    std::vector<std::unique_ptr<TempDir>> dirs_;
    std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace icg::testing
