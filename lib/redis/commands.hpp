#pragma once
// What the stores need of Redis: a command sent, its reply back. One server's RedisClient and a
// Cluster's client (which sends each command to the node that holds its key) both provide it, so
// sessions, logins and workspace connections do not know which Redis they run on.
#include "redis/reply.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icg::redis {

// Builds a command's argument list. Call sites use this rather than a braced list of literals,
// which GCC 12 miscompiles inside coroutines ("array used as initializer").
template <typename... Args>
std::vector<std::string> command(Args&&... args) {
    return {std::string(std::forward<Args>(args))...};
}

class Commands {
public:
    virtual ~Commands() = default;

    // Sends one command. While Redis is unreachable it fails at once (fail closed, nothing queues
    // up behind a dead Redis). An error reply (-ERR …) is returned as RedisErrc::error_reply. The
    // reply is due within redis.command_timeout of the one before it on its connection, plus
    // `allowance` for a command that blocks on purpose (WAIT).
    virtual boost::asio::awaitable<boost::system::result<Reply>> exec(std::vector<std::string> args,
                                                                      std::chrono::milliseconds allowance) = 0;
    boost::asio::awaitable<boost::system::result<Reply>> exec(std::vector<std::string> args) {
        return exec(std::move(args), std::chrono::milliseconds{});
    }

    // A command that names no key but concerns one (WAIT, after writing it), sent on the
    // connection that wrote `key`.
    virtual boost::asio::awaitable<boost::system::result<Reply>> exec_beside(std::string_view key,
                                                                             std::vector<std::string> args,
                                                                             std::chrono::milliseconds allowance) = 0;

    // Whether commands can be sent now.
    virtual bool connected() const noexcept = 0;
};

}  // namespace icg::redis
