#pragma once
// POST /auth/intercom/uninstalled: Intercom posts a workspace's app_id to the app's Uninstall URL
// when the workspace removes the app. The notice is not signed, so it is only a hint: the gateway
// asks Intercom (GET /me with the workspace's stored token) and ends the workspace only when
// Intercom refuses the token. The answer is 200 at once, whatever the workspace, so a caller
// learns nothing; each workspace is checked at most once at a time, and a workspace whose token
// still worked is not checked again for a minute, so forged notices cannot spend its rate limit.
#include "http/message.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace icg::core {
class Clock;
}
namespace icg::upstream {
class IntercomOAuthClient;
}
namespace icg::workspace {
class WorkspaceRevocation;
class WorkspaceStore;
}  // namespace icg::workspace

namespace icg::auth {

enum class NoticeOutcome {
    ended,          // Intercom refused the token: the workspace ended everywhere
    token_works,    // a forged or stale notice: nothing changed
    not_connected,  // nothing to end
    skipped,        // checked already (under way, or lately found working)
    unverifiable,   // Intercom or Redis did not answer: nothing changed
};

class UninstallNotices {
public:
    static constexpr std::size_t max_body_bytes = 4 * 1024;
    static constexpr std::chrono::seconds recheck_after{60};

    UninstallNotices(boost::asio::any_io_executor executor, workspace::WorkspaceStore& connections,
                     upstream::IntercomOAuthClient& intercom, workspace::WorkspaceRevocation& revocation,
                     const core::Clock& clock);

    // Answers the notice and starts its check in the background.
    http::Response receive(const http::Request& request);

    // The check itself (public for tests).
    boost::asio::awaitable<NoticeOutcome> check(std::string workspace_id);

private:
    bool begin(const std::string& workspace_id);
    void finish(const std::string& workspace_id, bool token_worked);

    boost::asio::any_io_executor executor_;
    workspace::WorkspaceStore& connections_;
    upstream::IntercomOAuthClient& intercom_;
    workspace::WorkspaceRevocation& revocation_;
    const core::Clock& clock_;
    std::mutex mutex_;
    std::unordered_set<std::string> checking_;
    std::unordered_map<std::string, std::chrono::system_clock::time_point> worked_at_;
};

// The app_id of a notice's JSON body, or empty when the body is not one.
std::string notice_workspace_id(std::string_view body);

}  // namespace icg::auth
