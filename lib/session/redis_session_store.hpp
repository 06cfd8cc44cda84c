#pragma once
// Sessions in Redis: key = prefix + "session:" + SHA-256(id), value = AES-256-GCM(record JSON)
// with the key as associated data. A dump of Redis yields neither cookies nor tokens.
#include "session/session_store.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace icg::core {
class Clock;
class Random;
}  // namespace icg::core
namespace icg::crypto {
class SessionCipher;
}
namespace icg::redis {
class RedisClient;
}

namespace icg::session {

class RedisSessionStore final : public SessionStore {
public:
    RedisSessionStore(redis::RedisClient& redis, const crypto::SessionCipher& cipher, core::Random& random,
                      const core::Clock& clock, std::string key_prefix, std::chrono::seconds idle_timeout);

    boost::asio::awaitable<Result<core::Secret>> create(const SessionRecord& record) override;
    boost::asio::awaitable<Result<std::optional<SessionRecord>>> load(const core::Secret& id) override;
    boost::asio::awaitable<Result<void>> erase(const core::Secret& id) override;

    // The Redis key of a session id; public for tests that inspect Redis directly.
    std::string key_for(const core::Secret& id) const;
    // The prefix every session key starts with (what client-side caching tracks).
    std::string key_space() const { return key_prefix_ + "session:"; }
    std::int64_t now_unix_seconds() const;

private:
    redis::RedisClient& redis_;
    const crypto::SessionCipher& cipher_;
    core::Random& random_;
    const core::Clock& clock_;
    std::string key_prefix_;
    std::chrono::seconds idle_timeout_;
};

}  // namespace icg::session
