#include "support/redis_cluster.hpp"

#include "support/eventually.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"

#include <stdexcept>

namespace icg::testing {

namespace {

// A port whose cluster bus port (port + 10000) is free too.
std::uint16_t free_node_port() {
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = free_port();
        if (port <= 55535 && port_is_free(static_cast<std::uint16_t>(port + 10000))) return port;
    }
    throw std::runtime_error("no free port with a free cluster bus port");
}

}  // namespace

RedisCluster::RedisCluster(std::chrono::milliseconds node_timeout) {
    std::vector<std::string> create{"--cluster", "create"};
    for (int i = 0; i < 6; ++i) {
        dirs_.push_back(std::make_unique<TempDir>());
        const auto port = free_node_port();
        nodes_.push_back(std::make_unique<RedisServer>(
            *dirs_.back(), port, RedisPersistence::none,
            std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file",
                                     (dirs_.back()->path() / "nodes.conf").string(), "--cluster-node-timeout",
                                     std::to_string(node_timeout.count()), "--repl-diskless-sync-delay", "0"}));
        create.push_back("127.0.0.1:" + std::to_string(port));
    }
    create.insert(create.end(), {"--cluster-replicas", "1", "--cluster-yes"});
    const auto made = run_to_completion("/usr/bin/redis-cli", create, {}, std::chrono::seconds(60));
    if (!made.status.success()) throw std::runtime_error("redis-cli --cluster create failed:\n" + made.output);
    if (!eventually([&] { return healthy(); }, std::chrono::seconds(30), std::chrono::milliseconds(100)))
        throw std::runtime_error("the cluster did not come up:\n" + made.output);
}

std::vector<std::uint16_t> RedisCluster::ports() const {
    std::vector<std::uint16_t> out;
    for (const auto& node : nodes_) out.push_back(node->port());
    return out;
}

std::vector<std::string> RedisCluster::addresses() const {
    std::vector<std::string> out;
    for (const auto port : ports()) out.push_back("127.0.0.1:" + std::to_string(port));
    return out;
}

std::vector<std::uint16_t> RedisCluster::primaries() {
    std::vector<std::uint16_t> out;
    for (const auto& node : nodes_) {
        if (!node->running()) continue;
        try {
            if (RedisProbe(node->port()).command({"ROLE"}).elements.at(0).text == "master") out.push_back(node->port());
        } catch (const std::exception&) {
            // a node starting or stopping: not a primary now
        }
    }
    return out;
}

RedisServer& RedisCluster::node(std::uint16_t port) {
    for (auto& node : nodes_)
        if (node->port() == port) return *node;
    throw std::runtime_error("no cluster node on port " + std::to_string(port));
}

bool RedisCluster::healthy() {
    for (auto& node : nodes_) {
        if (!node->running()) continue;
        try {
            const auto info = RedisProbe(node->port()).command({"CLUSTER", "INFO"}).text;
            if (info.find("cluster_state:ok") == std::string::npos || info.find("cluster_size:3") == std::string::npos)
                return false;
        } catch (const std::exception&) {
            return false;
        }
    }
    return primaries().size() == 3;
}

}  // namespace icg::testing
