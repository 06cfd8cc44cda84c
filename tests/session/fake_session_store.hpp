#pragma once
// A SessionStore in memory, for unit tests: sessions by id, a switch for "Redis down", and a
// record of the workspace endings asked of it.
#include "crypto/digest.hpp"
#include "session/session_store.hpp"

#include <boost/system/errc.hpp>

#include <map>
#include <string>
#include <vector>

namespace icg::testing {

class FakeSessionStore final : public session::SessionStore {
public:
    std::map<std::string, session::SessionRecord> sessions;
    bool down = false;
    int erase_failures_left = 0;
    int erases = 0;
    struct Ending {
        std::string workspace_id;
        std::string token;  // empty: every session of the workspace
    };
    std::vector<Ending> endings;

    boost::asio::awaitable<session::Result<core::Secret>> create(const session::SessionRecord& record) override {
        if (down) co_return timed_out();
        const std::string id = "sid-" + std::to_string(sessions.size() + 1);
        sessions[id] = record;
        co_return core::Secret(id);
    }
    boost::asio::awaitable<session::Result<std::optional<session::SessionRecord>>> load(
        const core::Secret& id) override {
        if (down) co_return timed_out();
        auto it = sessions.find(std::string(id.expose()));
        if (it == sessions.end()) co_return std::optional<session::SessionRecord>{};
        co_return std::optional<session::SessionRecord>(it->second);
    }
    boost::asio::awaitable<session::Result<void>> erase(const core::Secret& id) override {
        ++erases;
        if (down) co_return timed_out();
        if (erase_failures_left > 0) {
            --erase_failures_left;
            co_return timed_out();
        }
        sessions.erase(std::string(id.expose()));
        co_return session::Result<void>{};
    }
    boost::asio::awaitable<session::Result<std::size_t>> end_workspace(std::string_view workspace_id,
                                                                       const core::Secret* token) override {
        if (down) co_return timed_out();
        endings.push_back({std::string(workspace_id), token ? std::string(token->expose()) : std::string()});
        std::size_t ended = std::erase_if(sessions, [&](const auto& entry) {
            return entry.second.workspace_id == workspace_id && (!token || entry.second.access_token == *token);
        });
        co_return ended;
    }

private:
    static boost::system::error_code timed_out() {
        return boost::system::errc::make_error_code(boost::system::errc::timed_out);
    }
};

}  // namespace icg::testing
