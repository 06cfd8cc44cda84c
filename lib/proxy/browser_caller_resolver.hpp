#pragma once
// The browser's way in: a same-origin SPA with the session cookie. The request must pass the
// allow list and the CSRF rules; its session (from the store, failing closed when the store does
// not answer) gives the token; a refused token ends the session, the workspace's connection if it
// holds that token and every other session holding it, on every replica, and tells the SPA to
// log in again.
#include "proxy/allow_list.hpp"
#include "proxy/caller.hpp"

#include <string>

namespace icg::session {
class SessionStore;
}
namespace icg::workspace {
class WorkspaceRevocation;
}

namespace icg::proxy {

struct BrowserCallerSettings {
    std::string public_url;  // for the CSRF origin check
    std::string session_cookie;
    AllowList allow;
};

class BrowserCallerResolver final : public CallerResolver {
public:
    BrowserCallerResolver(BrowserCallerSettings settings, session::SessionStore& sessions,
                          workspace::WorkspaceRevocation& revocation);

    boost::asio::awaitable<Resolution> resolve(http::Request& head, std::string_view api_path) override;

private:
    BrowserCallerSettings settings_;
    session::SessionStore& sessions_;
    workspace::WorkspaceRevocation& revocation_;
    const std::string clear_cookie_;  // the Set-Cookie that ends the browser's session
};

// The 401 that asks the SPA to log in again ("reason" may be empty; `clear_cookie` too).
http::Response login_required(std::string_view reason, const std::string& clear_cookie, std::string note);

}  // namespace icg::proxy
