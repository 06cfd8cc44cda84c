#pragma once
// A WorkspaceStore in memory, for unit tests, with a switch for "Redis down".
#include "workspace/workspace_store.hpp"

#include <boost/system/errc.hpp>

#include <map>
#include <string>

namespace icg::testing {

// A connection of `workspace_id` holding `token`; the rest does not matter to the tests using it.
inline workspace::WorkspaceConnection connection_holding(std::string workspace_id, std::string token) {
    workspace::WorkspaceConnection c;
    c.workspace_id = std::move(workspace_id);
    c.access_token = core::Secret(std::move(token));
    return c;
}

class FakeWorkspaceStore final : public workspace::WorkspaceStore {
public:
    std::map<std::string, workspace::WorkspaceConnection, std::less<>> connections;
    bool down = false;
    int uses_noted = 0;

    boost::asio::awaitable<workspace::Result<void>> save(const workspace::WorkspaceConnection& connection) override {
        if (down) co_return timed_out();
        connections.insert_or_assign(connection.workspace_id, connection);
        co_return workspace::Result<void>{};
    }
    boost::asio::awaitable<workspace::Result<std::optional<workspace::WorkspaceConnection>>> load(
        std::string_view id) override {
        if (down) co_return timed_out();
        auto it = connections.find(id);
        if (it == connections.end()) co_return std::optional<workspace::WorkspaceConnection>{};
        co_return std::optional<workspace::WorkspaceConnection>(it->second);
    }
    boost::asio::awaitable<workspace::Result<std::vector<workspace::WorkspaceSummary>>> list() override {
        if (down) co_return timed_out();
        std::vector<workspace::WorkspaceSummary> out;
        for (const auto& [id, c] : connections)
            out.push_back({.id = id, .name = c.workspace_name, .api_base = c.api_base, .connected_at = c.connected_at});
        co_return out;
    }
    boost::asio::awaitable<workspace::Result<bool>> erase(std::string_view id, const core::Secret* token) override {
        if (down) co_return workspace::Result<bool>(boost::system::in_place_error, timed_out());
        auto it = connections.find(id);
        if (it == connections.end() || (token && !(it->second.access_token == *token))) co_return false;
        connections.erase(it);
        co_return true;
    }
    void note_use(std::string_view) override { ++uses_noted; }

private:
    static boost::system::error_code timed_out() {
        return boost::system::errc::make_error_code(boost::system::errc::timed_out);
    }
};

}  // namespace icg::testing
