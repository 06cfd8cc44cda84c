#pragma once
// Redis Cluster (redis.cluster_nodes): the slot map read with CLUSTER SLOTS from the seeds or any
// node, one pipelined RedisClient per primary (opened by the same RedisConnector settings, so TLS
// and ACL users work alike), each command sent to the primary of its key's slot. MOVED updates the
// map and the command is sent again once; ASK sends it once to the importing node behind an
// ASKING. The map is read again every few seconds, and every quarter second while some slot has
// no reachable primary (a failover), so the gateway follows a promoted replica within moments of
// the cluster's own decision. A slot without a reachable primary fails at once (fail closed).
#include "observability/telemetry.hpp"
#include "redis/commands.hpp"
#include "redis/redis_options.hpp"
#include "redis/redis_url.hpp"
#include "redis/server_source.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace icg::redis {

class RedisClient;
class RedisConnector;

// A primary as the cluster client keeps it: its command connection and how to open more
// connections to it (for its invalidation listener).
struct ClusterNode {
    ServerAddress address;
    std::shared_ptr<RedisClient> client;
    std::shared_ptr<RedisConnector> connector;
};

struct ClusterNodeEvents {
    // A primary joined the map; called before its client starts (observe its connection here).
    std::function<void(const ClusterNode&)> added;
    // A primary left the map (it failed over, or its slots all moved); its client is stopped next.
    std::function<void(const ServerAddress&)> removed;
};

class ClusterClient final : public Commands {
public:
    // `endpoint` gives the user, password and database 0 (a cluster has no other); `seeds` the
    // nodes asked for the slot map at first.
    ClusterClient(boost::asio::any_io_executor executor, RedisEndpoint endpoint, RedisOptions options,
                  std::shared_ptr<boost::asio::ssl::context> tls, std::vector<ServerAddress> seeds,
                  observability::RedisTelemetry& telemetry = observability::no_telemetry());
    ~ClusterClient() override;
    ClusterClient(const ClusterClient&) = delete;
    ClusterClient& operator=(const ClusterClient&) = delete;

    // Set before start().
    void on_nodes(ClusterNodeEvents events);
    void start();
    void stop();

    using Commands::exec;
    // A command naming a key goes to its slot's primary. PING goes to every primary and answers
    // PONG only when all do (readiness: every slot is served).
    boost::asio::awaitable<boost::system::result<Reply>> exec(std::vector<std::string> args,
                                                              std::chrono::milliseconds allowance) override;
    boost::asio::awaitable<boost::system::result<Reply>> exec_beside(std::string_view key,
                                                                     std::vector<std::string> args,
                                                                     std::chrono::milliseconds allowance) override;
    // Every slot has a primary, and every primary's connection is up.
    bool connected() const noexcept override;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// The key a command names, for routing: the first argument, or EVAL's first key; empty for
// commands without one (PING, WAIT, CLIENT …).
std::string_view routing_key(const std::vector<std::string>& args) noexcept;

}  // namespace icg::redis
