#pragma once
// Writes that a failover must not lose: a new session, a new workspace connection. Redis
// replicates asynchronously, so a write the master confirmed can vanish with it; with
// redis.min_replicas_ack = N the writes are followed by `WAIT N redis.replica_ack_timeout` and count
// only once N replicas hold them. WAIT covers every earlier write of its connection and blocks that
// connection meanwhile, so these writes go on a connection of their own (from the same connector,
// moving with the master), and the shared one never waits behind a slow replica.
#include "redis/commands.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <string_view>

namespace icg::redis {

class DurableWrites {
public:
    // `client` carries the writes and their WAIT. With `replicas` 0 there is no WAIT and it may be
    // the shared client.
    DurableWrites(Commands& client, int replicas, std::chrono::milliseconds timeout)
        : client_(client), replicas_(replicas), timeout_(timeout) {}

    // Where the writes that confirm() covers must be sent.
    Commands& client() noexcept { return client_; }
    int replicas() const noexcept { return replicas_; }

    // After the writes, the last of which wrote `key`: RedisErrc::too_few_replicas when fewer
    // than replicas() held them within the timeout, another error when the connection failed;
    // success at once with replicas() 0.
    boost::asio::awaitable<boost::system::error_code> confirm(std::string_view key);

private:
    Commands& client_;
    const int replicas_;
    const std::chrono::milliseconds timeout_;
};

}  // namespace icg::redis
