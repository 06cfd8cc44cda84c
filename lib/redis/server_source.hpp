#pragma once
// Where the Redis server to use is now. A fixed address from redis.url, or the master that
// Redis Sentinel names (sentinel_source.hpp), which moves on a failover. Every connection the
// gateway keeps to Redis asks the same source when it connects and is told when the server moves,
// so the command connection and its invalidation connection move together.
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace icg::redis {

struct ServerAddress {
    std::string host;
    std::uint16_t port = 0;

    bool operator==(const ServerAddress&) const = default;
    // host:port, with an IPv6 literal in brackets; for logs.
    std::string text() const;
};

class ServerSource {
public:
    using Observer = std::function<void(const ServerAddress& now)>;

    virtual ~ServerSource() = default;

    // The server to connect to now, within the source's own deadlines; an error when no source
    // of truth answered (every sentinel down, say). `why` then says what each one said.
    virtual boost::asio::awaitable<boost::system::result<ServerAddress>> locate(std::string& why) = 0;

    // `observer` is called (on any thread) each time the source learns that the server moved;
    // connections to any other server are then to be ended. Observers live as long as the source.
    void on_move(Observer observer);

protected:
    void announce_move(const ServerAddress& now);

private:
    std::mutex mutex_;
    std::vector<Observer> observers_;
};

// The one server of redis.url.
class FixedServer final : public ServerSource {
public:
    explicit FixedServer(ServerAddress address) : address_(std::move(address)) {}
    boost::asio::awaitable<boost::system::result<ServerAddress>> locate(std::string& why) override;

private:
    const ServerAddress address_;
};

}  // namespace icg::redis
