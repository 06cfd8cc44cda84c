#pragma once
// A connection that stays subscribed to one channel over RESP2: set-up commands first (their
// replies handed over once subscribed), then SUBSCRIBE, then every message to the events. A PING
// every second proves it alive; a loss, a stall or an unexpected message ends the connection,
// is reported, and it reconnects through its RedisConnector with back-off. The invalidation
// listener (client-side caching) and the Sentinel watcher (+switch-master) are two of these.
#include "redis/reply.hpp"
#include "redis/server_source.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace icg::redis {

class RedisConnector;

struct SubscriptionSpec {
    std::string name;  // for the log: "invalidation listener"
    std::vector<std::vector<std::string>> setup;
    std::string channel;
};

struct SubscriptionEvents {
    // Subscribed on `server`, with the set-up commands' replies; false drops the connection (a
    // reply it cannot use).
    std::function<bool(std::vector<Reply>& setup_replies, const ServerAddress& server)> subscribed;
    // One message's payload; false drops the connection (a message it cannot read).
    std::function<bool(Reply& payload)> message;
    // The subscription is gone, and messages with it, until `subscribed` is called again.
    std::function<void()> lost;
};

class Subscription {
public:
    Subscription(boost::asio::any_io_executor executor, std::shared_ptr<const RedisConnector> connector,
                 SubscriptionSpec spec, SubscriptionEvents events);
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    void start();
    void stop();

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace icg::redis
