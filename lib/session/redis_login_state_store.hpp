#pragma once
// Pending logins in Redis under prefix + "login:" + SHA-256(state and browser binding), sealed with
// the session key (the Redis key as associated data) and removed atomically on use (GETDEL). Whoever
// can write to Redis can neither forge a pending login nor change where one returns to. Each
// browser's pending logins are also listed by expiry under prefix + "login-pending:" + its binding,
// so a callback can tell whether the browser still waits for another one.
#include "session/login_state_store.hpp"

#include <string>

namespace icg::core {
class Random;
}
namespace icg::crypto {
class SessionCipher;
}
namespace icg::redis {
class Commands;
}

namespace icg::session {

class RedisLoginStateStore final : public LoginStateStore {
public:
    RedisLoginStateStore(redis::Commands& redis, const crypto::SessionCipher& cipher, core::Random& random,
                         std::string key_prefix);

    boost::asio::awaitable<boost::system::result<void>> put(const std::string& state, const PendingLogin& login,
                                                            std::chrono::seconds ttl) override;
    boost::asio::awaitable<boost::system::result<std::optional<TakenLogin>>> take(
        const std::string& state, std::string_view browser_binding) override;

private:
    std::string key_for(std::string_view state, std::string_view browser_binding) const;
    std::string pending_key_for(std::string_view browser_binding) const;

    redis::Commands& redis_;
    const crypto::SessionCipher& cipher_;
    core::Random& random_;
    std::string key_prefix_;
};

}  // namespace icg::session
