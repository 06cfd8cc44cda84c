#include "redis/redis_error.hpp"

#include <string>

namespace icg::redis {
namespace {

class RedisCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "redis"; }
    std::string message(int value) const override {
        switch (static_cast<RedisErrc>(value)) {
            case RedisErrc::not_connected:
                return "Redis is not connected";
            case RedisErrc::timeout:
                return "Redis did not answer in time";
            case RedisErrc::connection_lost:
                return "the Redis connection was lost";
            case RedisErrc::protocol_error:
                return "Redis sent a malformed reply";
            case RedisErrc::error_reply:
                return "Redis answered with an error";
            case RedisErrc::unexpected_reply:
                return "Redis sent a reply of an unexpected type";
            case RedisErrc::not_master:
                return "the Redis server is not a master";
            case RedisErrc::too_few_replicas:
                return "too few Redis replicas confirmed the write in time";
        }
        return "unknown Redis error";
    }
};

}  // namespace

const boost::system::error_category& redis_category() noexcept {
    static const RedisCategory category;
    return category;
}

}  // namespace icg::redis
