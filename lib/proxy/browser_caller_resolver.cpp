#include "proxy/browser_caller_resolver.hpp"

#include "core/secret.hpp"
#include "http/cookies.hpp"
#include "http/json_error.hpp"
#include "observability/access_log.hpp"
#include "proxy/csrf.hpp"
#include "session/session_store.hpp"
#include "workspace/workspace_revocation.hpp"

#include <functional>

namespace icg::proxy {
namespace asio = boost::asio;

namespace {

class BrowserCaller final : public Caller {
public:
    BrowserCaller(core::Secret session_id, session::SessionRecord session, session::SessionStore& sessions,
                  workspace::WorkspaceRevocation& revocation, const std::string& clear_cookie)
        : session_id_(std::move(session_id)),
          session_(std::move(session)),
          sessions_(sessions),
          revocation_(revocation),
          clear_cookie_(clear_cookie) {}

    std::string_view bearer_token() const noexcept override { return session_.access_token.expose(); }

    std::uint64_t concurrency_key() const noexcept override {
        return std::hash<std::string_view>{}(session_id_.expose());
    }

    std::string_view workspace_id() const noexcept override { return session_.workspace_id; }

    // Ending the session must not fail quietly: a session left behind would keep calling Intercom
    // with a dead token. One more try, then a log line (the SPA is told to log in either way).
    asio::awaitable<http::Response> token_refused() override {
        // The token is dead in the workspace's connection and in every session holding it, this
        // one included (and counted there).
        if (!session_.workspace_id.empty()) {
            auto ended = co_await revocation_.token_refused(session_.workspace_id, session_.access_token);
            if (!ended)
                observability::log_event("warn", "could not end workspace " + session_.workspace_id +
                                                     " whose token Intercom refused: " + ended.error().message());
        }
        // Whatever that did, this session ends (the workspace's index of sessions is bounded).
        auto erased = co_await sessions_.erase(session_id_);
        if (!erased) erased = co_await sessions_.erase(session_id_);
        if (!erased)
            observability::log_event(
                "warn", "could not end a session whose token Intercom refused: " + erased.error().message());
        co_return login_required("token_revoked", clear_cookie_, "proxy_token_revoked");
    }

private:
    core::Secret session_id_;
    session::SessionRecord session_;
    session::SessionStore& sessions_;
    workspace::WorkspaceRevocation& revocation_;
    const std::string& clear_cookie_;
};

}  // namespace

http::Response login_required(std::string_view reason, const std::string& clear_cookie, std::string note) {
    std::string body = "{\"error\":\"unauthenticated\"";
    if (!reason.empty()) body += ",\"reason\":\"" + std::string(reason) + "\"";
    body += ",\"login\":\"/auth/login\"}";
    auto r = http::json_response(401, std::move(body));
    if (!clear_cookie.empty()) r.headers.add("Set-Cookie", clear_cookie);
    r.log_note = std::move(note);
    return r;
}

BrowserCallerResolver::BrowserCallerResolver(BrowserCallerSettings settings, session::SessionStore& sessions,
                                             workspace::WorkspaceRevocation& revocation)
    : settings_(std::move(settings)),
      sessions_(sessions),
      revocation_(revocation),
      clear_cookie_(http::make_clearing_cookie(settings_.session_cookie, http::CookieAttributes{})) {}

asio::awaitable<Resolution> BrowserCallerResolver::resolve(http::Request& head, std::string_view api_path) {
    if (!settings_.allow.allows(head.method, api_path))
        co_return http::json_error(403, "not_allowed", "proxy_not_allowed");
    if (!csrf_allows(head, settings_.public_url)) co_return http::json_error(403, "csrf_check_failed", "proxy_csrf");

    const auto cookie = http::find_cookie(head.headers, settings_.session_cookie);
    if (!cookie) co_return login_required("", "", "proxy_no_session");
    core::Secret session_id{std::string(*cookie)};
    auto loaded = co_await sessions_.load(session_id);
    if (!loaded)  // could not tell: fail closed and keep the cookie
        co_return http::json_error(503, "session_store_unavailable", "session_store_unavailable");
    if (!*loaded) co_return login_required("", clear_cookie_, "proxy_unknown_session");
    co_return std::make_unique<BrowserCaller>(std::move(session_id), std::move(**loaded), sessions_, revocation_,
                                              clear_cookie_);
}

}  // namespace icg::proxy
