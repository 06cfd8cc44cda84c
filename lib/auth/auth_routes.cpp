#include "auth/auth_routes.hpp"

#include "auth/return_to.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "crypto/digest.hpp"
#include "http/cookies.hpp"
#include "http/query.hpp"
#include "observability/access_log.hpp"
#include "session/login_state_store.hpp"
#include "session/login_throttle.hpp"
#include "session/session_store.hpp"
#include "upstream/intercom_oauth_client.hpp"
#include "upstream/upstream_error.hpp"
#include "workspace/workspace_revocation.hpp"
#include "workspace/workspace_store.hpp"

#include <boost/url/url.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace icg::auth {
namespace asio = boost::asio;
using observability::LoginResult;

namespace {

constexpr std::size_t random_bytes = 32;        // 256 bits for state and the login binding
constexpr std::size_t random_token_chars = 43;  // their base64url length
constexpr std::size_t max_code_length = 1024;

bool is_random_token(std::string_view v) {
    return v.size() == random_token_chars && std::all_of(v.begin(), v.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
           });
}

bool is_plausible_code(std::string_view v) {
    return !v.empty() && v.size() <= max_code_length &&
           std::all_of(v.begin(), v.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

http::CookieAttributes cookie_attributes(std::chrono::seconds max_age) {
    http::CookieAttributes a;
    a.max_age = max_age;
    return a;
}

http::Response with_note(http::Response r, std::string note) {
    r.log_note = std::move(note);
    return r;
}

std::string session_json(const session::SessionRecord& s) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto field = [&](const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.data(), rapidjson::SizeType(value.size()));
    };
    w.StartObject();
    w.Key("authenticated");
    w.Bool(true);
    w.Key("admin");
    w.StartObject();
    field("name", s.admin_name);
    field("email", s.admin_email);
    w.EndObject();
    w.Key("workspace");
    w.StartObject();
    field("id", s.workspace_id);
    field("name", s.workspace_name);
    w.EndObject();
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

AuthRoutes::AuthRoutes(AuthSettings settings, session::LoginStateStore& logins, session::LoginThrottle& throttle,
                       session::SessionStore& sessions, workspace::WorkspaceStore& connections,
                       workspace::WorkspaceRevocation& revocation, upstream::IntercomOAuthClient& intercom,
                       core::Random& random, const core::Clock& clock, observability::AuthTelemetry& telemetry)
    : settings_(std::move(settings)),
      logins_(logins),
      throttle_(throttle),
      sessions_(sessions),
      connections_(connections),
      revocation_(revocation),
      intercom_(intercom),
      random_(random),
      clock_(clock),
      telemetry_(telemetry) {}

bool AuthRoutes::workspace_allowed(std::string_view workspace_id) const {
    const auto& allowed = settings_.allowed_workspaces;
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), workspace_id) != allowed.end();
}

http::Response AuthRoutes::reported(observability::LoginResult result, http::Response response) {
    telemetry_.login(result);
    return response;
}

http::Response AuthRoutes::too_many_logins(std::chrono::seconds retry_after) const {
    auto r = http::html_page(429, "Too many log-in attempts",
                             "Too many log-ins were started from this browser or network. Please wait a few "
                             "minutes and try again.");
    r.headers.add("Retry-After", std::to_string(retry_after.count()));
    return with_note(std::move(r), "login_throttled");
}

http::Response AuthRoutes::session_store_unavailable_page() const {
    auto r =
        http::html_page(503, "Temporarily unavailable",
                        "Log-in is unavailable for a moment (the session store does not answer). Please try again.");
    r.headers.add("Retry-After", "5");
    return with_note(std::move(r), "session_store_unavailable");
}

asio::awaitable<http::Response> AuthRoutes::login(const http::Request& request) {
    const auto raw_return_to = http::query_param(request.query(), "return_to");
    const std::string return_to = safe_return_to(raw_return_to.value_or("/"));

    // The binding cookie is shared by every login this browser starts, so two tabs can log in at once.
    std::string binding;
    if (auto existing = http::find_cookie(request.headers, settings_.login_cookie);
        existing && is_random_token(*existing))
        binding = std::string(*existing);
    else
        binding = random_.token(random_bytes);

    const std::string binding_hash = crypto::sha256_hex(binding);
    auto admission = co_await throttle_.admit(binding_hash, request.remote_address);
    if (!admission) co_return reported(LoginResult::store_unavailable, session_store_unavailable_page());
    if (!admission->admitted)
        co_return reported(LoginResult::throttled, too_many_logins(admission->retry_after));

    const std::string state = random_.token(random_bytes);
    const session::PendingLogin pending{binding_hash, return_to};
    auto stored = co_await logins_.put(state, pending, settings_.login_timeout);
    if (!stored) co_return reported(LoginResult::store_unavailable, session_store_unavailable_page());

    boost::urls::url location(settings_.authorize_url);
    location.params().append({"client_id", settings_.client_id});
    location.params().append({"state", state});
    location.params().append({"redirect_uri", settings_.public_url + "/auth/callback"});
    auto response = http::redirect(std::string(location.buffer()));
    response.headers.add("Set-Cookie", http::make_set_cookie(settings_.login_cookie, binding,
                                                             cookie_attributes(settings_.login_timeout)));
    co_return reported(LoginResult::started, with_note(std::move(response), "login_started"));
}

asio::awaitable<http::Response> AuthRoutes::callback(const http::Request& request) {
    const auto query = request.query();
    const auto state = http::query_param(query, "state");
    if (auto error = http::query_param(query, "error")) {
        // The pending login is left to expire: spending it here would let anyone who learnt a
        // state cancel that browser's login, and without a code it can never complete anyway.
        if (*error == "access_denied")
            co_return reported(LoginResult::denied,
                               with_note(http::html_page(403, "Access was denied",
                                                         "Intercom access was not granted, so you are not logged in. "
                                                         "You can try again from the application."),
                                         "login_denied"));
        co_return reported(LoginResult::denied, with_note(http::html_page(400, "Log-in failed",
                                                                          "Intercom reported an error during the log-in."),
                                                          "login_error_from_intercom"));
    }

    auto bad_request = [this](std::string note) {
        return reported(LoginResult::invalid_state, with_note(http::html_page(400, "Log-in link not valid",
                                         "This log-in link is invalid, expired or was already used, or it was "
                                         "started in another browser. Please start again from the application."),
                         std::move(note)));
    };
    const auto code = http::query_param(query, "code");
    if (!state || !is_random_token(*state) || !code || !is_plausible_code(*code))
        co_return bad_request("callback_malformed");
    const auto binding = http::find_cookie(request.headers, settings_.login_cookie);
    if (!binding || !is_random_token(*binding)) co_return bad_request("callback_without_login_cookie");

    // Found only with this browser's binding: another browser's callback leaves the login alone.
    auto pending = co_await logins_.take(*state, crypto::sha256_hex(*binding));
    if (!pending) co_return reported(LoginResult::store_unavailable, session_store_unavailable_page());
    if (!*pending) co_return bad_request("callback_unknown_state_or_other_browser");
    // The record is sealed, but where a browser is sent is checked again all the same.
    const std::string return_to = safe_return_to((*pending)->login.return_to);
    // From here the login is spent, whatever the outcome: its binding cookie goes with it, unless
    // another tab of this browser still waits for its own callback.
    const bool clear_binding = !(*pending)->others_pending;
    auto finished = [&](http::Response response) {
        if (clear_binding)
            response.headers.add("Set-Cookie", http::make_clearing_cookie(settings_.login_cookie, cookie_attributes({})));
        return response;
    };

    auto exchange_failed = [&](const boost::system::error_code& ec, std::string note) {
        observability::log_event("warn", note + ": " + ec.message());
        return reported(LoginResult::exchange_failed,
                        finished(with_note(http::html_page(502, "Log-in failed",
                                                           "Intercom did not complete the log-in. Please try again "
                                                           "in a moment."),
                                           std::move(note))));
    };
    const core::Secret code_secret(*code);
    auto token = co_await intercom_.exchange_code(code_secret);
    if (!token) co_return exchange_failed(token.error(), "token_exchange_failed");
    auto admin = co_await intercom_.fetch_me(*token);
    if (!admin) co_return exchange_failed(admin.error(), "me_lookup_failed");
    if (!workspace::looks_like_workspace_id(admin->workspace_id))
        co_return exchange_failed(make_error_code(upstream::UpstreamErrc::malformed_body), "me_workspace_malformed");
    if (!workspace_allowed(admin->workspace_id))
        co_return reported(LoginResult::workspace_refused, finished(with_note(http::html_page(403, "This workspace cannot log in here",
                                                     "This application is open to its own Intercom workspaces only, "
                                                     "and the workspace you chose is not one of them. Log in with "
                                                     "another workspace, or ask the application's operators."),
                                     "login_workspace_not_allowed")));

    // A fresh id on every login; the session the browser carried before is ended (no fixation).
    if (auto old = http::find_cookie(request.headers, settings_.session_cookie)) {
        const core::Secret old_id{std::string(*old)};
        auto erased = co_await sessions_.erase(old_id);
        if (!erased) co_return reported(LoginResult::store_unavailable, finished(session_store_unavailable_page()));
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    // The workspace's connection first: services use the newest token, and a session never
    // exists for a workspace the gateway does not know as connected.
    const workspace::WorkspaceConnection connection{.access_token = *token,
                                                    .workspace_id = admin->workspace_id,
                                                    .workspace_name = admin->workspace_name,
                                                    .api_base = settings_.api_base,
                                                    .admin_id = admin->id,
                                                    .admin_name = admin->name,
                                                    .connected_at = now};
    auto connected = co_await connections_.save(connection);
    if (!connected) co_return reported(LoginResult::store_unavailable, finished(session_store_unavailable_page()));
    session::SessionRecord record{
        .access_token = std::move(*token),
        .admin_id = admin->id,
        .admin_name = admin->name,
        .admin_email = admin->email,
        .workspace_id = admin->workspace_id,
        .workspace_name = admin->workspace_name,
        .created_at = now,
        .expires_at = now + settings_.absolute_timeout.count(),
    };
    auto id = co_await sessions_.create(record);
    if (!id) co_return reported(LoginResult::store_unavailable, finished(session_store_unavailable_page()));

    auto response = http::redirect(return_to);
    response.headers.add("Set-Cookie", http::make_set_cookie(settings_.session_cookie, id->expose(),
                                                             cookie_attributes(settings_.absolute_timeout)));
    co_return reported(LoginResult::completed, finished(with_note(std::move(response), "login_succeeded")));
}

asio::awaitable<http::Response> AuthRoutes::session(const http::Request& request) {
    const auto cookie = http::find_cookie(request.headers, settings_.session_cookie);
    auto unauthenticated = [&](bool clear_cookie) {
        auto r = http::json_response(401, R"({"authenticated":false})");
        if (clear_cookie)
            r.headers.add("Set-Cookie", http::make_clearing_cookie(settings_.session_cookie, cookie_attributes({})));
        return r;
    };
    if (!cookie) co_return unauthenticated(false);
    const core::Secret id{std::string(*cookie)};
    auto record = co_await sessions_.load(id);
    if (!record)  // Could not tell: fail closed, but keep the cookie for when Redis is back.
        co_return with_note(http::json_response(503, R"({"error":"session_store_unavailable"})"),
                            "session_store_unavailable");
    if (!*record) co_return unauthenticated(true);
    co_return http::json_response(200, session_json(**record));
}

asio::awaitable<http::Response> AuthRoutes::logout(const http::Request& request) {
    // Cross-site POSTs carry no Lax cookie anyway; an Origin from elsewhere is refused outright.
    if (auto origin = request.headers.get("Origin"); !origin.empty() && origin != settings_.public_url)
        co_return with_note(http::json_response(403, R"({"error":"cross_origin_request"})"), "logout_cross_origin");
    http::Response response;
    response.status = 204;
    response.headers.add("Cache-Control", "no-store");
    if (auto cookie = http::find_cookie(request.headers, settings_.session_cookie)) {
        const core::Secret id{std::string(*cookie)};
        auto erased = co_await sessions_.erase(id);
        if (!erased) {
            // The record cannot be ended now (it ends by its idle timeout), but this browser is
            // logged out all the same: on a shared computer, the next user must not inherit it.
            auto r = http::json_response(503, R"({"error":"session_store_unavailable","logged_out_here":true})");
            r.headers.add("Set-Cookie",
                          http::make_clearing_cookie(settings_.session_cookie, cookie_attributes({})));
            co_return with_note(std::move(r), "logged_out_here_store_unavailable");
        }
        response.headers.add("Set-Cookie", http::make_clearing_cookie(settings_.session_cookie, cookie_attributes({})));
        telemetry_.sessions_ended(observability::SessionEnd::logout, 1);
    }
    co_return with_note(std::move(response), "logged_out");
}

asio::awaitable<http::Response> AuthRoutes::disconnect(const http::Request& request) {
    // The same rules as logout: a cross-site POST carries no Lax cookie, a foreign Origin is refused.
    if (auto origin = request.headers.get("Origin"); !origin.empty() && origin != settings_.public_url)
        co_return with_note(http::json_response(403, R"({"error":"cross_origin_request"})"), "disconnect_cross_origin");
    const auto cookie = http::find_cookie(request.headers, settings_.session_cookie);
    if (!cookie)
        co_return with_note(http::json_response(401, R"({"error":"unauthenticated"})"), "disconnect_no_session");
    const core::Secret id{std::string(*cookie)};
    auto record = co_await sessions_.load(id);
    if (!record)
        co_return with_note(http::json_response(503, R"({"error":"session_store_unavailable"})"),
                            "session_store_unavailable");
    if (!*record)
        co_return with_note(http::json_response(401, R"({"error":"unauthenticated"})"), "disconnect_no_session");

    const auto outcome = co_await revocation_.disconnect((*record)->workspace_id, &(*record)->access_token);
    switch (outcome) {
        case workspace::DisconnectOutcome::disconnected:
        case workspace::DisconnectOutcome::not_connected: {
            http::Response response;
            response.status = 204;
            response.headers.add("Set-Cookie",
                                 http::make_clearing_cookie(settings_.session_cookie, cookie_attributes({})));
            co_return with_note(std::move(response), "workspace_disconnected");
        }
        case workspace::DisconnectOutcome::intercom_unavailable:
            co_return with_note(http::json_response(502, R"({"error":"intercom_unavailable"})"),
                                "disconnect_intercom_unavailable");
        case workspace::DisconnectOutcome::store_unavailable:
            break;
    }
    co_return with_note(http::json_response(503, R"({"error":"session_store_unavailable"})"),
                        "session_store_unavailable");
}

}  // namespace icg::auth
