#pragma once
// Workspace connections in Redis:
//   prefix + "workspace:" + id       hash {sealed: AES-256-GCM(connection JSON, the key as associated
//                                    data), token: the token's fingerprint}; no expiry
//   prefix + "workspaces"            set of the connected ids, for listing
//   prefix + "workspace-used:" + id  unix seconds of the latest call, written at most once a
//                                    minute per process and outside the cached key space, so use
//                                    never invalidates caches
// The fingerprint lets "end it only if it still holds this token" run in Redis without the token.
#include "workspace/workspace_store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

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

namespace icg::workspace {

class RedisWorkspaceStore final : public WorkspaceStore {
public:
    // A saved connection is written through `durable` (and counts once its replicas hold it);
    // the rest goes through `redis`.
    RedisWorkspaceStore(boost::asio::any_io_executor executor, redis::Commands& redis, redis::DurableWrites& durable,
                        const crypto::SessionCipher& cipher, core::Random& random, const core::Clock& clock,
                        std::string key_prefix);

    boost::asio::awaitable<Result<void>> save(const WorkspaceConnection& connection) override;
    boost::asio::awaitable<Result<std::optional<WorkspaceConnection>>> load(std::string_view workspace_id) override;
    boost::asio::awaitable<Result<std::vector<WorkspaceSummary>>> list() override;
    boost::asio::awaitable<Result<bool>> erase(std::string_view workspace_id, const core::Secret* token) override;
    void note_use(std::string_view workspace_id) override;

    std::string key_for(std::string_view workspace_id) const { return key_space() + std::string(workspace_id); }
    // The prefix every connection key starts with (what client-side caching tracks).
    std::string key_space() const { return key_prefix_ + "workspace:"; }

    static constexpr std::chrono::seconds use_note_interval{60};

private:
    boost::asio::any_io_executor executor_;
    redis::Commands& redis_;
    redis::DurableWrites& durable_;
    const crypto::SessionCipher& cipher_;
    core::Random& random_;
    const core::Clock& clock_;
    std::string key_prefix_;
    // Looked up by string_view on every service call: no key is built unless a workspace is new.
    struct IdHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
    };
    std::mutex use_mutex_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point, IdHash, std::equal_to<>> use_written_;
};

}  // namespace icg::workspace
