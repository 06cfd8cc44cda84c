#include "workspace/cached_workspace_store.hpp"

#include "cache/load_through.hpp"
#include "workspace/redis_workspace_store.hpp"

namespace icg::workspace {
namespace asio = boost::asio;

CachedWorkspaceStore::CachedWorkspaceStore(RedisWorkspaceStore& redis_store, WorkspaceCache& cache)
    : redis_store_(redis_store), cache_(cache) {}

asio::awaitable<Result<void>> CachedWorkspaceStore::save(const WorkspaceConnection& connection) {
    const std::string key = redis_store_.key_for(connection.workspace_id);
    cache_.invalidate(key);
    auto saved = co_await redis_store_.save(connection);
    cache_.invalidate(key);
    co_return saved;
}

asio::awaitable<Result<std::optional<WorkspaceConnection>>> CachedWorkspaceStore::load(std::string_view workspace_id) {
    if (!looks_like_workspace_id(workspace_id)) co_return std::optional<WorkspaceConnection>{};
    const std::string key = redis_store_.key_for(workspace_id);
    auto read = [&] { return redis_store_.load(workspace_id); };
    auto usable = [](const WorkspaceConnection&) { return true; };  // connections do not expire
    co_return co_await cache::load_through(cache_, shared_reads_, key, read, usable);
}

asio::awaitable<Result<std::vector<WorkspaceSummary>>> CachedWorkspaceStore::list() {
    co_return co_await redis_store_.list();
}

asio::awaitable<Result<bool>> CachedWorkspaceStore::erase(std::string_view workspace_id, const core::Secret* token) {
    if (!looks_like_workspace_id(workspace_id)) co_return false;
    const std::string key = redis_store_.key_for(workspace_id);
    auto erased = co_await redis_store_.erase(workspace_id, token);
    cache_.invalidate(key);
    co_return erased;
}

void CachedWorkspaceStore::note_use(std::string_view workspace_id) {
    redis_store_.note_use(workspace_id);
}

}  // namespace icg::workspace
