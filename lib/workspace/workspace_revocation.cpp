#include "workspace/workspace_revocation.hpp"

#include "observability/access_log.hpp"
#include "session/session_store.hpp"
#include "upstream/intercom_oauth_client.hpp"
#include "upstream/upstream_error.hpp"

namespace icg::workspace {
namespace asio = boost::asio;

WorkspaceRevocation::WorkspaceRevocation(session::SessionStore& sessions, WorkspaceStore& connections,
                                         upstream::IntercomOAuthClient& intercom,
                                         observability::AuthTelemetry& telemetry)
    : sessions_(sessions), connections_(connections), intercom_(intercom), telemetry_(telemetry) {}

asio::awaitable<Result<void>> WorkspaceRevocation::token_refused(std::string_view workspace_id,
                                                                 const core::Secret& token) {
    // The connection first: services stop using the dead token before the sessions go.
    auto ended = co_await connections_.erase(workspace_id, &token);
    if (!ended) co_return ended.error();
    auto sessions = co_await sessions_.end_workspace(workspace_id, &token);
    if (!sessions) co_return sessions.error();
    telemetry_.sessions_ended(observability::SessionEnd::revoked, *sessions);
    observability::log_event("info", "workspace " + std::string(workspace_id) + ": a token was refused by Intercom; " +
                                         (*ended ? "its connection and " : "") + std::to_string(*sessions) +
                                         " sessions holding it ended");
    co_return Result<void>{};
}

asio::awaitable<DisconnectOutcome> WorkspaceRevocation::disconnect(std::string_view workspace_id,
                                                                   const core::Secret* fallback_token) {
    auto connection = co_await connections_.load(workspace_id);
    if (!connection) co_return DisconnectOutcome::store_unavailable;
    const core::Secret* token = *connection ? &(*connection)->access_token : fallback_token;
    if (!token) {
        // No token to revoke with; sessions without a connection cannot exist (a login makes
        // both), but whatever is indexed ends all the same.
        auto sessions = co_await sessions_.end_workspace(workspace_id, nullptr);
        if (!sessions) co_return DisconnectOutcome::store_unavailable;
        telemetry_.sessions_ended(observability::SessionEnd::disconnected, *sessions);
        co_return DisconnectOutcome::not_connected;
    }
    auto uninstalled = co_await intercom_.uninstall(*token);
    // A token Intercom already refuses is as good as revoked.
    if (!uninstalled && uninstalled.error() != upstream::UpstreamErrc::token_refused) {
        observability::log_event("warn",
                                 "workspace " + std::string(workspace_id) +
                                     ": Intercom did not confirm the uninstall: " + uninstalled.error().message());
        co_return DisconnectOutcome::intercom_unavailable;
    }
    auto ended = co_await end(workspace_id);
    co_return ended ? DisconnectOutcome::disconnected : DisconnectOutcome::store_unavailable;
}

asio::awaitable<Result<void>> WorkspaceRevocation::end(std::string_view workspace_id) {
    auto ended = co_await connections_.erase(workspace_id, nullptr);
    if (!ended) co_return ended.error();
    auto sessions = co_await sessions_.end_workspace(workspace_id, nullptr);
    if (!sessions) co_return sessions.error();
    telemetry_.sessions_ended(observability::SessionEnd::disconnected, *sessions);
    observability::log_event("info", "workspace " + std::string(workspace_id) +
                                         " ended: " + (*ended ? "its connection and " : "") +
                                         std::to_string(*sessions) + " sessions");
    co_return Result<void>{};
}

}  // namespace icg::workspace
