#pragma once
// Pending logins in Redis under prefix + "login:" + SHA-256(state), removed atomically on use (GETDEL).
#include "session/login_state_store.hpp"

#include <string>

namespace icg::redis {
class RedisClient;
}

namespace icg::session {

class RedisLoginStateStore final : public LoginStateStore {
public:
    RedisLoginStateStore(redis::RedisClient& redis, std::string key_prefix);

    boost::asio::awaitable<boost::system::result<void>> put(const std::string& state, const PendingLogin& login,
                                                            std::chrono::seconds ttl) override;
    boost::asio::awaitable<boost::system::result<std::optional<PendingLogin>>> take(const std::string& state) override;

private:
    std::string key_for(const std::string& state) const;

    redis::RedisClient& redis_;
    std::string key_prefix_;
};

}  // namespace icg::session
