#include "redis/invalidation_listener.hpp"

#include <utility>

namespace icg::redis {

namespace {

SubscriptionEvents reading_invalidations(InvalidationEvents events) {
    auto shared = std::make_shared<const InvalidationEvents>(std::move(events));
    SubscriptionEvents out;
    out.subscribed = [shared](std::vector<Reply>& setup, const ServerAddress& server) {
        if (setup.size() != 1 || setup[0].type != Reply::Type::integer) return false;  // CLIENT ID
        if (shared->subscribed) shared->subscribed(setup[0].integer, server);
        return true;
    };
    // An array of keys, or nil when everything was flushed.
    out.message = [shared](Reply& payload) {
        if (payload.is_nil()) {
            if (shared->everything_invalidated) shared->everything_invalidated();
            return true;
        }
        if (payload.type != Reply::Type::array) return false;
        std::vector<std::string> keys;
        keys.reserve(payload.elements.size());
        for (auto& key : payload.elements) keys.push_back(std::move(key.text));
        if (shared->invalidated) shared->invalidated(std::move(keys));
        return true;
    };
    out.lost = [shared] {
        if (shared->lost) shared->lost();
    };
    return out;
}

}  // namespace

InvalidationListener::InvalidationListener(boost::asio::any_io_executor executor,
                                           std::shared_ptr<const RedisConnector> connector, InvalidationEvents events)
    : subscription_(std::move(executor), std::move(connector),
                    {.name = "invalidation listener", .setup = {{"CLIENT", "ID"}}, .channel = "__redis__:invalidate"},
                    reading_invalidations(std::move(events))) {}

}  // namespace icg::redis
