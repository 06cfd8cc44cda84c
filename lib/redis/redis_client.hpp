#pragma once
// An asynchronous Redis client on the gateway's event loop: one pipelined connection, opened by
// a RedisConnector (redis_connector.hpp), a deadline on every command, reconnect with backoff,
// and a move to the new master as soon as the connector's source reports one. Nothing ever blocks.
#include "observability/telemetry.hpp"
#include "redis/commands.hpp"
#include "redis/redis_options.hpp"
#include "redis/reply.hpp"
#include "redis/server_source.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace icg::redis {

class RedisConnector;

class RedisClient final : public Commands {
public:
    // Each command's round trip and failure is reported to `telemetry`.
    RedisClient(boost::asio::any_io_executor executor, std::shared_ptr<const RedisConnector> connector,
                observability::RedisTelemetry& telemetry = observability::no_telemetry());
    ~RedisClient() override;
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    // Called on the client's strand after each (re)connect, with the server connected to, and
    // each loss of the connection, with nullopt: for state that lives per connection (client-side
    // caching). Set it before start().
    void on_connection_change(std::function<void(const std::optional<ServerAddress>& server)> observer);

    // Starts connecting in the background; commands sent before it is up fail with not_connected.
    void start();
    void stop();

    // Commands, on the one connection (pipelined, in order).
    using Commands::exec;
    boost::asio::awaitable<boost::system::result<Reply>> exec(std::vector<std::string> args,
                                                              std::chrono::milliseconds allowance) override;
    boost::asio::awaitable<boost::system::result<Reply>> exec_beside(std::string_view, std::vector<std::string> args,
                                                                     std::chrono::milliseconds allowance) override {
        return exec(std::move(args), allowance);
    }

    bool connected() const noexcept override;

    // As exec(), but an error reply comes back as a reply (a Cluster client reads MOVED and ASK
    // from it). With `asking`, the command goes right behind an ASKING on the connection.
    boost::asio::awaitable<boost::system::result<Reply>> exec_raw(std::vector<std::string> args,
                                                                  std::chrono::milliseconds allowance,
                                                                  bool asking = false);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
    observability::RedisTelemetry& telemetry_;
};

}  // namespace icg::redis
