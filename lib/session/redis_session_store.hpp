#pragma once
// Sessions in Redis: key = prefix + "session:" + SHA-256(id), value = AES-256-GCM(record JSON)
// with the key as associated data. A dump of Redis yields neither cookies nor tokens.
//
// Each workspace has an index of its sessions, so revoking a workspace ends them all: a sorted
// set prefix + "session-index:" + workspace id of "<token fingerprint>:<SHA-256(id)>", scored by
// the session's absolute end. Entries past it are pruned at each login, and the newest
// `max_indexed_per_workspace` are kept: an older session left out still ends at its first call,
// when Intercom refuses its token. Every command names one key, so keys may live on different
// cluster nodes.
#include "session/session_store.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace icg::core {
class Clock;
class Random;
}  // namespace icg::core
namespace icg::crypto {
class SessionCipher;
}
namespace icg::redis {
class DurableWrites;
class Commands;
}  // namespace icg::redis

namespace icg::session {

class RedisSessionStore final : public SessionStore {
public:
    // A new session is written through `durable` (and counts once its replicas hold it); the rest
    // goes through `redis`.
    RedisSessionStore(redis::Commands& redis, redis::DurableWrites& durable, const crypto::SessionCipher& cipher,
                      core::Random& random, const core::Clock& clock, std::string key_prefix,
                      std::chrono::seconds idle_timeout);

    boost::asio::awaitable<Result<core::Secret>> create(const SessionRecord& record) override;
    boost::asio::awaitable<Result<std::optional<SessionRecord>>> load(const core::Secret& id) override;
    boost::asio::awaitable<Result<void>> erase(const core::Secret& id) override;
    boost::asio::awaitable<Result<std::size_t>> end_workspace(std::string_view workspace_id,
                                                              const core::Secret* token) override {
        co_return co_await end_workspace_keys(workspace_id, token, nullptr);
    }
    // end_workspace(), also handing out the keys of the sessions it ended (for a local cache).
    boost::asio::awaitable<Result<std::size_t>> end_workspace_keys(std::string_view workspace_id,
                                                                   const core::Secret* token,
                                                                   std::vector<std::string>* ended_keys);

    static constexpr std::size_t max_indexed_per_workspace = 4096;

    // The Redis key of a session id; public for tests that inspect Redis directly.
    std::string key_for(const core::Secret& id) const;
    // The prefix every session key starts with (what client-side caching tracks).
    std::string key_space() const { return key_prefix_ + "session:"; }
    std::string index_key(std::string_view workspace_id) const {
        return key_prefix_ + "session-index:" + std::string(workspace_id);
    }
    std::int64_t now_unix_seconds() const;

private:
    redis::Commands& redis_;
    redis::DurableWrites& durable_;
    const crypto::SessionCipher& cipher_;
    core::Random& random_;
    const core::Clock& clock_;
    std::string key_prefix_;
    std::chrono::seconds idle_timeout_;
};

}  // namespace icg::session
