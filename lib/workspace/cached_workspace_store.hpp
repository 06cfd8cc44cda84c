#pragma once
// The workspace store the request path uses: connections come from the in-process cache while it
// holds them (kept honest by Redis client-side caching, like sessions) and from Redis otherwise,
// so a service's call makes no Redis round trip. This process's own changes drop its entries
// here, since Redis does not echo them back (NOLOOP).
#include "cache/shared_reads.hpp"
#include "cache/tracked_cache.hpp"
#include "workspace/workspace_store.hpp"

namespace icg::workspace {

class RedisWorkspaceStore;
using WorkspaceCache = cache::TrackedCache<WorkspaceConnection>;

class CachedWorkspaceStore final : public WorkspaceStore {
public:
    CachedWorkspaceStore(RedisWorkspaceStore& redis_store, WorkspaceCache& cache);

    boost::asio::awaitable<Result<void>> save(const WorkspaceConnection& connection) override;
    boost::asio::awaitable<Result<std::optional<WorkspaceConnection>>> load(std::string_view workspace_id) override;
    boost::asio::awaitable<Result<std::vector<WorkspaceSummary>>> list() override;
    boost::asio::awaitable<Result<bool>> erase(std::string_view workspace_id, const core::Secret* token) override;
    void note_use(std::string_view workspace_id) override;

private:
    RedisWorkspaceStore& redis_store_;
    WorkspaceCache& cache_;
    cache::SharedReads shared_reads_;
};

}  // namespace icg::workspace
