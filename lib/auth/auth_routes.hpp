#pragma once
// The OAuth login with Intercom and the session endpoints: /auth/login, /auth/callback,
// /auth/session, /auth/logout, /auth/disconnect. A login also records (or renews) its workspace's
// connection for internal services. Knows HTTP and the stores' interfaces, not how Redis is spoken.
#include "observability/telemetry.hpp"
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace icg::core {
class Clock;
class Random;
}  // namespace icg::core
namespace icg::session {
class LoginStateStore;
class LoginThrottle;
class SessionStore;
}  // namespace icg::session
namespace icg::upstream {
class IntercomOAuthClient;
}
namespace icg::workspace {
class WorkspaceRevocation;
class WorkspaceStore;
}  // namespace icg::workspace

namespace icg::auth {

struct AuthSettings {
    std::string public_url;     // https://host[:port]
    std::string authorize_url;  // Intercom's consent page
    std::string api_base;       // the API origin the login's token belongs to (kept with the connection)
    std::string client_id;
    std::string session_cookie = "__Host-icg-session";
    std::string login_cookie = "__Host-icg-login";
    std::chrono::seconds login_timeout{600};
    std::chrono::seconds absolute_timeout{7 * 24 * 3600};
    std::vector<std::string> allowed_workspaces;  // empty: any workspace may log in
};

class AuthRoutes {
public:
    AuthRoutes(AuthSettings settings, session::LoginStateStore& logins, session::LoginThrottle& throttle,
               session::SessionStore& sessions, workspace::WorkspaceStore& connections,
               workspace::WorkspaceRevocation& revocation, upstream::IntercomOAuthClient& intercom,
               core::Random& random, const core::Clock& clock,
               observability::AuthTelemetry& telemetry = observability::no_telemetry());

    boost::asio::awaitable<http::Response> login(const http::Request& request);
    boost::asio::awaitable<http::Response> callback(const http::Request& request);
    boost::asio::awaitable<http::Response> session(const http::Request& request);
    boost::asio::awaitable<http::Response> logout(const http::Request& request);
    // Uninstalls the app from the logged-in admin's workspace: revoked at Intercom, then the
    // connection and every session of the workspace end.
    boost::asio::awaitable<http::Response> disconnect(const http::Request& request);

    const AuthSettings& settings() const noexcept { return settings_; }

private:
    bool workspace_allowed(std::string_view workspace_id) const;
    http::Response session_store_unavailable_page() const;
    // Reports how a login step ended and gives back its answer.
    http::Response reported(observability::LoginResult result, http::Response response);
    http::Response too_many_logins(std::chrono::seconds retry_after) const;

    AuthSettings settings_;
    session::LoginStateStore& logins_;
    session::LoginThrottle& throttle_;
    session::SessionStore& sessions_;
    workspace::WorkspaceStore& connections_;
    workspace::WorkspaceRevocation& revocation_;
    upstream::IntercomOAuthClient& intercom_;
    core::Random& random_;
    const core::Clock& clock_;
    observability::AuthTelemetry& telemetry_;
};

}  // namespace icg::auth
