#pragma once
// Ending a workspace everywhere: its connection, and every browser session that holds its token.
// Whoever learns that a token is dead (a 401 on either path, a verified uninstall notice) or is
// told to disconnect comes here; the stores' deletions reach every replica's caches through Redis.
#include "observability/telemetry.hpp"
#include "workspace/workspace_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace icg::session {
class SessionStore;
}
namespace icg::upstream {
class IntercomOAuthClient;
}

namespace icg::workspace {

enum class DisconnectOutcome {
    disconnected,          // revoked at Intercom (or already dead there) and ended here
    not_connected,         // no connection and no token to revoke with: nothing to do
    intercom_unavailable,  // Intercom did not confirm the revocation: nothing was ended, try again
    store_unavailable,     // Redis did not answer: what was not ended yet stays, try again
};

class WorkspaceRevocation {
public:
    // The sessions it ends are reported to `telemetry`.
    WorkspaceRevocation(session::SessionStore& sessions, WorkspaceStore& connections,
                        upstream::IntercomOAuthClient& intercom,
                        observability::AuthTelemetry& telemetry = observability::no_telemetry());

    // Intercom refused `token`: the connection ends if it still holds that token (a later login's
    // does not), and so does every session of the workspace holding it.
    boost::asio::awaitable<Result<void>> token_refused(std::string_view workspace_id, const core::Secret& token);

    // Uninstalls the app from the workspace at Intercom, with the connection's token (or, when
    // the workspace has no connection, `fallback_token`, a browser session's), then ends the
    // connection and every session of the workspace.
    boost::asio::awaitable<DisconnectOutcome> disconnect(std::string_view workspace_id,
                                                         const core::Secret* fallback_token);

    // Ends the connection and every session without calling Intercom (it said the token is dead).
    boost::asio::awaitable<Result<void>> end(std::string_view workspace_id);

private:
    session::SessionStore& sessions_;
    WorkspaceStore& connections_;
    upstream::IntercomOAuthClient& intercom_;
    observability::AuthTelemetry& telemetry_;
};

}  // namespace icg::workspace
