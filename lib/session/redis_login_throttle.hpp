#pragma once
// LoginThrottle on Redis: one counter per browser binding and one per client address, each in a
// fixed window as long as a login may stay pending, counted and given its expiry in one script.
#include "session/login_throttle.hpp"

#include <cstddef>
#include <string>

namespace icg::redis {
class Commands;
}

namespace icg::session {

struct LoginThrottleLimits {
    std::size_t per_browser = 10;   // two tabs and a few retries
    std::size_t per_address = 100;  // many browsers behind one office NAT
    std::chrono::seconds window{600};
};

class RedisLoginThrottle final : public LoginThrottle {
public:
    RedisLoginThrottle(redis::Commands& redis, std::string key_prefix, LoginThrottleLimits limits);

    boost::asio::awaitable<boost::system::result<LoginAdmission>> admit(std::string_view binding_hash,
                                                                        std::string_view address) override;

    // A reload's limits, for logins started from now on; windows already counting keep their end.
    void set_limits(LoginThrottleLimits limits);

private:
    LoginThrottleLimits limits() const;

    struct Count {
        long long count = 0;
        long long ttl = 0;
    };
    boost::asio::awaitable<boost::system::result<Count>> count_one(std::string key);

    redis::Commands& redis_;
    std::string key_prefix_;
    mutable std::mutex mutex_;
    LoginThrottleLimits limits_;
};

}  // namespace icg::session
