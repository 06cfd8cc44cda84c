#pragma once
// Where workspace connections live. As with sessions, an error means "could not tell" (Redis
// down): callers fail closed and never take it for "not connected".
#include "workspace/workspace_connection.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace icg::workspace {

template <typename T>
using Result = boost::system::result<T>;

// What an admin service may see of a connection: never the token, never an email.
struct WorkspaceSummary {
    std::string id;
    std::string name;
    std::string api_base;
    std::int64_t connected_at = 0;
    std::int64_t last_used_at = 0;  // 0: never used through the gateway
};

class WorkspaceStore {
public:
    virtual ~WorkspaceStore() = default;

    // Stores the connection, replacing the workspace's earlier one (a later login's token).
    virtual boost::asio::awaitable<Result<void>> save(const WorkspaceConnection& connection) = 0;

    virtual boost::asio::awaitable<Result<std::optional<WorkspaceConnection>>> load(std::string_view workspace_id) = 0;

    virtual boost::asio::awaitable<Result<std::vector<WorkspaceSummary>>> list() = 0;

    // Ends the connection on every replica; with `token`, only if it still holds that token (a
    // later login's connection outlives the refusal of an older token). True when one ended.
    virtual boost::asio::awaitable<Result<bool>> erase(std::string_view workspace_id, const core::Secret* token) = 0;

    // Records a call made with the connection, for last_used_at; cheap, and may be dropped.
    virtual void note_use(std::string_view workspace_id) = 0;
};

}  // namespace icg::workspace
