#pragma once
// An asynchronous Redis client on the gateway's event loop: one pipelined connection, a deadline
// on every command, reconnect with backoff, AUTH and SELECT from the URL. Nothing ever blocks.
#include "net/resolve_within.hpp"
#include "observability/telemetry.hpp"
#include "redis/redis_url.hpp"
#include "redis/reply.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace icg::redis {

// Builds a command's argument list. Call sites use this rather than a braced list of literals,
// which GCC 12 miscompiles inside coroutines ("array used as initializer").
template <typename... Args>
std::vector<std::string> command(Args&&... args) {
    return {std::string(std::forward<Args>(args))...};
}

struct RedisOptions {
    // The host name lookup and the TCP connect each keep to connect_timeout.
    std::chrono::milliseconds connect_timeout{1'000};
    std::chrono::milliseconds command_timeout{500};
    std::chrono::milliseconds reconnect_min{50};
    std::chrono::milliseconds reconnect_max{2'000};
    // How host names are looked up; empty: the system's resolver. Tests give one that never answers.
    net::Lookup lookup{};
};

class RedisClient {
public:
    // Each command's round trip and failure is reported to `telemetry`.
    RedisClient(boost::asio::any_io_executor executor, RedisEndpoint endpoint, RedisOptions options,
                observability::RedisTelemetry& telemetry = observability::no_telemetry());
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    // Called on the client's strand after each (re)connect and each loss of the connection, for
    // state that lives per connection (client-side caching). Set it before start().
    void on_connection_change(std::function<void(bool connected)> observer);

    // Starts connecting in the background; commands sent before it is up fail with not_connected.
    void start();
    void stop();

    // Sends one command. While the connection is down it fails at once (fail closed, nothing
    // queues up behind a dead Redis). An error reply (-ERR …) is returned as RedisErrc::error_reply.
    boost::asio::awaitable<boost::system::result<Reply>> exec(std::vector<std::string> args);

    bool connected() const noexcept;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
    observability::RedisTelemetry& telemetry_;
};

}  // namespace icg::redis
