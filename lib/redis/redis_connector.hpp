#pragma once
// Opens connections to Redis, the same way for every connection the gateway keeps: the server
// from the ServerSource (a fixed address, or Sentinel's master), its name looked up, TCP or TLS,
// then AUTH, SELECT and ROLE, each step under redis.connect_timeout. A server that is not a master
// is refused: the gateway never writes to a replica. Shared, immutable, by the command client, the
// invalidation listener and any other connection to the same Redis.
#include "redis/codec.hpp"
#include "redis/redis_options.hpp"
#include "redis/redis_stream.hpp"
#include "redis/redis_url.hpp"
#include "redis/server_source.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace icg::redis {

struct RedisConnection {
    std::shared_ptr<RedisStream> stream;
    ServerAddress server;
};

// What the server must say it is (ROLE) for a connection to be kept; `any` for a connection that
// only reads the topology (a Cluster seed may be a replica).
enum class ServerRole { master, sentinel, any };

// Sends `commands` in one write and reads one reply each, under the stream's current deadline.
// Error replies are replies (the caller judges them). The commands' bytes are zeroed once sent:
// they may hold a password. On failure `why` says what happened, naming the command.
boost::asio::awaitable<boost::system::result<std::vector<Reply>>> exchange(
    RedisStream& stream, ReplyReader& reader, std::vector<std::vector<std::string>> commands, std::string& why);

class RedisConnector {
public:
    // `endpoint` gives the user, password and database (and, for a FixedServer, the address);
    // `tls` is null for plain TCP, else the client context for rediss://.
    RedisConnector(boost::asio::any_io_executor executor, RedisEndpoint endpoint, RedisOptions options,
                   std::shared_ptr<boost::asio::ssl::context> tls, std::shared_ptr<ServerSource> source,
                   ServerRole role = ServerRole::master);

    // One connection, ready for commands (replies to the handshake consumed from `reader`, which
    // then belongs to the connection). On failure `why` says what went wrong, for the log; it
    // never holds the password.
    boost::asio::awaitable<boost::system::result<RedisConnection>> open(ReplyReader& reader, std::string& why) const;

    const RedisOptions& options() const noexcept { return options_; }
    ServerSource& source() const noexcept { return *source_; }
    // For logs: the URL without its password.
    std::string redacted() const { return endpoint_.redacted(); }

private:
    boost::asio::any_io_executor executor_;
    RedisEndpoint endpoint_;
    RedisOptions options_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::shared_ptr<ServerSource> source_;
    ServerRole role_;
};

// A connector to the one server of `endpoint` (redis.url).
std::shared_ptr<RedisConnector> connect_to_url(boost::asio::any_io_executor executor, RedisEndpoint endpoint,
                                               RedisOptions options,
                                               std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

}  // namespace icg::redis
